package dev.spro.pipelines.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spro.pipelines.run.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Charts of one or more runs from their {@code metrics.jsonl}: reward, test accuracy, response
 * length, entropy, KL to the reference and seconds per iteration against the iteration, one line
 * per run. Writes a PNG per chart and {@code report.html}, which embeds them (no other file
 * needed to view it).
 */
public final class RunReport {

  /** A chart: its file name, title, y-axis label, the metrics.jsonl phase and key it plots. */
  record Chart(String file, String title, String yLabel, String phase, String key) {}

  static final List<Chart> CHARTS = List.of(
      new Chart("reward", "Reward (mean outcome score)", "critic/score/mean", "train", "critic/score/mean"),
      new Chart("accuracy", "Test accuracy (greedy pass@1)", "val/accuracy", "eval", "val/accuracy"),
      new Chart("length", "Response length", "tokens", "train", "response_length/mean"),
      new Chart("entropy", "Entropy", "nats / token", "train", "actor/entropy"),
      new Chart("kl", "KL to the reference (k3)", "nats / token", "train", "actor/kl_ref"),
      new Chart("seconds", "Seconds per iteration", "s", "train", "timing_s/step"));

  private RunReport() {}

  /**
   * Writes the charts, {@code comparison.md} (the {@link RunComparison} table against runs of the
   * {@code baseline} algorithm, averaging the last {@code last} iterations) and report.html of
   * {@code runs} into {@code out}; returns the HTML file.
   */
  public static Path write(List<Path> runs, Path out, String baseline, int last) throws IOException {
    Files.createDirectories(out);
    Map<String, List<JsonNode>> lines = new LinkedHashMap<>();
    List<RunComparison.RunSummary> summaries = new ArrayList<>();
    for (Path run : runs) {
      List<JsonNode> rows = RunDirectory.metricRows(run);
      summaries.add(RunComparison.summarize(run, rows, last));
      lines.put(run.toAbsolutePath().normalize().getFileName().toString(), rows);
    }
    RunComparison.Table table = RunComparison.table(summaries, baseline, last);
    Files.writeString(out.resolve("comparison.md"), table.markdown());
    StringBuilder html = new StringBuilder("""
        <!doctype html>
        <html><head><meta charset="utf-8"><title>SPRO run report</title>
        <style>body{font-family:sans-serif;margin:2em;max-width:1300px} img{width:620px;margin:4px;border:1px solid #ddd}
        table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}</style></head><body>
        <h1>SPRO run report</h1>
        """);
    html.append(table.html());
    html.append("<div>\n");
    for (Chart c : CHARTS) {
      XYChart chart = new XYChartBuilder().width(800).height(450).title(c.title()).xAxisTitle("iteration")
          .yAxisTitle(c.yLabel()).build();
      chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
      boolean any = false;
      for (Map.Entry<String, List<JsonNode>> e : lines.entrySet()) {
        List<double[]> s = series(e.getValue(), c.phase(), c.key());
        if (s.isEmpty()) {
          continue;
        }
        XYSeries series = chart.addSeries(e.getKey(), s.stream().mapToDouble(p -> p[0]).toArray(),
            s.stream().mapToDouble(p -> p[1]).toArray());
        series.setMarker(s.size() > 30 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        any = true;
      }
      if (!any) {
        continue;
      }
      Path png = out.resolve(c.file() + ".png");
      BitmapEncoder.saveBitmap(chart, png.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
      html.append("<img alt=\"").append(escape(c.title())).append("\" src=\"data:image/png;base64,")
          .append(Base64.getEncoder().encodeToString(Files.readAllBytes(png))).append("\">\n");
    }
    html.append("</div></body></html>\n");
    Path page = out.resolve("report.html");
    Files.writeString(page, html);
    return page;
  }

  /** (iteration, value) pairs of {@code key} in lines of {@code phase}, in iteration order. */
  public static List<double[]> series(List<JsonNode> rows, String phase, String key) {
    List<double[]> out = new ArrayList<>();
    for (JsonNode n : rows) {
      if (phase.equals(n.path("phase").asText()) && n.has(key) && n.get(key).isNumber()) {
        out.add(new double[] {n.get("iteration").asDouble(), n.get(key).asDouble()});
      }
    }
    out.sort((a, b) -> Double.compare(a[0], b[0]));
    return out;
  }

  private static String escape(String s) {
    return RunComparison.Table.escape(s);
  }
}
