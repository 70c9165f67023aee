package dev.spro.pipelines.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.RunDirectory;
import dev.spro.transforms.metrics.MetricNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The table that compares runs: test accuracy at the start and the end, how many iterations each
 * run took to reach its baseline's final accuracy (the SPRO paper's "training efficiency"), peak
 * KL to the reference and whether the run collapsed, response length and entropy over the last
 * iterations, and seconds per iteration, also relative to the baseline. Runs whose directory
 * names differ only by a {@code -s<seed>} suffix are also summarised together (mean and range
 * over seeds).
 *
 * <p>A run's baseline is the run of the baseline algorithm with the same seed and learning rate —
 * the one that differs only in the algorithm — or, without one, the baseline runs of the same
 * seed.
 */
public final class RunComparison {
  /** A run collapsed if it ends this far below its starting accuracy ... */
  public static final double COLLAPSE_ACCURACY_DROP = 0.10;
  /** ... or its per-token KL to the reference ever exceeded this (nats). */
  public static final double COLLAPSE_KL = 1.0;

  private RunComparison() {}

  /** What one run measured. {@code accuracy} holds (iteration, test accuracy) pairs in order. */
  public record RunSummary(String name, String algorithm, long seed, double lr, List<double[]> accuracy,
      double peakKl, double meanLength, double meanEntropy, double secondsPerIteration, int iterations) {
    public double startAccuracy() {
      return accuracy.isEmpty() ? Double.NaN : accuracy.get(0)[1];
    }

    public double finalAccuracy() {
      return accuracy.isEmpty() ? Double.NaN : accuracy.get(accuracy.size() - 1)[1];
    }

    public double bestAccuracy() {
      return accuracy.stream().mapToDouble(a -> a[1]).max().orElse(Double.NaN);
    }

    public boolean collapsed() {
      return finalAccuracy() < startAccuracy() - COLLAPSE_ACCURACY_DROP || peakKl > COLLAPSE_KL;
    }

    /** The first evaluated iteration at which test accuracy reached {@code target}, or -1. */
    public int iterationsToReach(double target) {
      for (double[] a : accuracy) {
        if (a[1] >= target - 1e-9) {
          return (int) a[0];
        }
      }
      return -1;
    }

    /** The name without a trailing {@code -s<seed>}: runs that differ only in the seed share it. */
    public String label() {
      return name.replaceFirst("-s\\d+$", "");
    }
  }

  /** Reads a run directory's resolved config and metrics; length and entropy average the last {@code last} iterations. */
  public static RunSummary summarize(Path run, int last) throws IOException {
    return summarize(run, RunDirectory.metricRows(run), last);
  }

  /** As above, from the run's metrics.jsonl rows already read. */
  static RunSummary summarize(Path run, List<JsonNode> rows, int last) {
    if (!Files.exists(run.resolve(RunDirectory.METRICS))) {
      throw new IllegalArgumentException(run + " has no metrics.jsonl: is it a run directory?");
    }
    RunConfig config = RunConfig.load(run.resolve(RunDirectory.CONFIG));
    List<JsonNode> train = rows.stream().filter(n -> n.path("phase").asText().equals("train"))
        .sorted(Comparator.comparingInt(n -> n.get("iteration").asInt())).toList();
    List<JsonNode> tail = train.subList(Math.max(0, train.size() - last), train.size());
    double peakKl = train.stream().mapToDouble(n -> n.path("actor/kl_ref").asDouble(0)).max().orElse(Double.NaN);
    double[] seconds = train.stream().mapToDouble(n -> n.path("timing_s/step").asDouble(Double.NaN)).filter(d -> !Double.isNaN(d))
        .sorted().toArray();
    return new RunSummary(run.toAbsolutePath().normalize().getFileName().toString(), config.algorithm.name, config.run.seed,
        config.optimizer.lr, RunReport.series(rows, "eval", MetricNames.VAL_ACCURACY), peakKl,
        mean(tail, n -> n.path("response_length/mean").asDouble(Double.NaN)),
        mean(tail, n -> n.path("actor/entropy").asDouble(Double.NaN)),
        // the median: one iteration that waited on a GC or a port says nothing about the algorithm
        seconds.length == 0 ? Double.NaN : seconds[seconds.length / 2], train.size());
  }

  /** The baseline runs of {@code r}: same seed and learning rate, baseline algorithm; else same seed; may be empty. */
  static List<RunSummary> baselinesOf(RunSummary r, List<RunSummary> runs, String baseline) {
    List<RunSummary> sameSeed = runs.stream().filter(b -> b.algorithm().equals(baseline) && b.seed() == r.seed()).toList();
    List<RunSummary> sameLr = sameSeed.stream().filter(b -> b.lr() == r.lr()).toList();
    return sameLr.isEmpty() ? sameSeed : sameLr;
  }

  /** The mean of {@code f} over {@code r}'s baseline runs (NaN without one). */
  private static double baseline(RunSummary r, List<RunSummary> runs, String baseline, ToDoubleFunction<RunSummary> f) {
    return baselinesOf(r, runs, baseline).stream().mapToDouble(f).average().orElse(Double.NaN);
  }

  /** One row per run, then (when some label has several seeds) one row per label. */
  public static Table table(List<RunSummary> runs, String baseline, int last) {
    Table t = new Table(List.of("run", "algorithm", "seed", "test acc start", "test acc final", "best",
        "iters to " + baseline + " final", "peak KL", "collapsed", "length (last " + last + ")",
        "entropy (last " + last + ")", "s/iter", "s/iter / " + baseline));
    Map<String, List<RunSummary>> byLabel = new LinkedHashMap<>();
    for (RunSummary r : runs) {
      byLabel.computeIfAbsent(r.label(), k -> new ArrayList<>()).add(r);
      double target = baseline(r, runs, baseline, RunSummary::finalAccuracy);
      int reach = Double.isNaN(target) ? -1 : r.iterationsToReach(target);
      t.add(r.name(), r.algorithm(), Long.toString(r.seed()), f3(r.startAccuracy()), f3(r.finalAccuracy()),
          f3(r.bestAccuracy()), Double.isNaN(target) ? "" : reach < 0 ? "not reached" : Integer.toString(reach),
          f4(r.peakKl()), r.collapsed() ? "yes" : "no", f1(r.meanLength()), f3(r.meanEntropy()),
          f2(r.secondsPerIteration()), f2(r.secondsPerIteration() / baseline(r, runs, baseline, RunSummary::secondsPerIteration)));
    }
    if (byLabel.values().stream().anyMatch(l -> l.size() > 1)) {
      t.addSection(List.of("runs (over seeds)", "algorithm", "seeds", "test acc start", "test acc final: mean [min, max]",
          "best: mean", "iters to " + baseline + " final: mean", "peak KL: max", "collapsed", "length", "entropy", "s/iter",
          "s/iter / " + baseline));
      for (Map.Entry<String, List<RunSummary>> e : byLabel.entrySet()) {
        List<RunSummary> rs = e.getValue();
        double[] finals = rs.stream().mapToDouble(RunSummary::finalAccuracy).toArray();
        double[] reached = rs.stream().mapToInt(r -> r.iterationsToReach(baseline(r, runs, baseline, RunSummary::finalAccuracy)))
            .filter(k -> k >= 0).asDoubleStream().toArray();
        double ratio = rs.stream()
            .mapToDouble(r -> r.secondsPerIteration() / baseline(r, runs, baseline, RunSummary::secondsPerIteration))
            .average().orElse(Double.NaN);
        t.add(e.getKey(), rs.get(0).algorithm(), Integer.toString(rs.size()),
            f3(rs.stream().mapToDouble(RunSummary::startAccuracy).average().orElse(Double.NaN)),
            String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", Arrays.stream(finals).average().orElse(Double.NaN),
                Arrays.stream(finals).min().orElse(Double.NaN), Arrays.stream(finals).max().orElse(Double.NaN)),
            f3(rs.stream().mapToDouble(RunSummary::bestAccuracy).average().orElse(Double.NaN)),
            reached.length == 0 ? "not reached" : f1(Arrays.stream(reached).average().orElse(Double.NaN))
                + (reached.length < rs.size() ? " (" + reached.length + " of " + rs.size() + " reached)" : ""),
            f4(rs.stream().mapToDouble(RunSummary::peakKl).max().orElse(Double.NaN)),
            rs.stream().filter(RunSummary::collapsed).count() + " of " + rs.size(),
            f1(rs.stream().mapToDouble(RunSummary::meanLength).average().orElse(Double.NaN)),
            f3(rs.stream().mapToDouble(RunSummary::meanEntropy).average().orElse(Double.NaN)),
            f2(rs.stream().mapToDouble(RunSummary::secondsPerIteration).average().orElse(Double.NaN)), f2(ratio));
      }
    }
    return t;
  }

  private static double mean(List<JsonNode> rows, ToDoubleFunction<JsonNode> f) {
    return rows.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).average().orElse(Double.NaN);
  }

  private static String f1(double d) {
    return Double.isNaN(d) ? "" : String.format(Locale.ROOT, "%.1f", d);
  }

  private static String f2(double d) {
    return Double.isNaN(d) ? "" : String.format(Locale.ROOT, "%.2f", d);
  }

  private static String f3(double d) {
    return Double.isNaN(d) ? "" : String.format(Locale.ROOT, "%.3f", d);
  }

  private static String f4(double d) {
    return Double.isNaN(d) ? "" : String.format(Locale.ROOT, "%.4f", d);
  }

  /** Rows of cells in sections, each with its header; printed as Markdown or HTML. */
  public static final class Table {
    private final List<List<String>> headers = new ArrayList<>();
    private final List<List<List<String>>> sections = new ArrayList<>();

    Table(List<String> header) {
      addSection(header);
    }

    void addSection(List<String> header) {
      headers.add(header);
      sections.add(new ArrayList<>());
    }

    void add(String... cells) {
      sections.get(sections.size() - 1).add(List.of(cells));
    }

    /** The rows of section {@code s}. */
    public List<List<String>> rows(int s) {
      return sections.get(s);
    }

    public String markdown() {
      StringBuilder sb = new StringBuilder();
      for (int s = 0; s < sections.size(); s++) {
        if (s > 0) {
          sb.append('\n');
        }
        sb.append("| ").append(String.join(" | ", headers.get(s))).append(" |\n");
        sb.append("|").append(" --- |".repeat(headers.get(s).size())).append('\n');
        for (List<String> row : sections.get(s)) {
          sb.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
      }
      return sb.toString();
    }

    public String html() {
      StringBuilder sb = new StringBuilder();
      for (int s = 0; s < sections.size(); s++) {
        sb.append("<table><tr>");
        headers.get(s).forEach(h -> sb.append("<th>").append(escape(h)).append("</th>"));
        sb.append("</tr>\n");
        for (List<String> row : sections.get(s)) {
          sb.append("<tr>");
          for (int i = 0; i < row.size(); i++) {
            sb.append(i == 0 ? "<td style=\"text-align:left\">" : "<td>").append(escape(row.get(i))).append("</td>");
          }
          sb.append("</tr>\n");
        }
        sb.append("</table><br>\n");
      }
      return sb.toString();
    }

    static String escape(String s) {
      return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
  }
}
