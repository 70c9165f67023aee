package dev.spro.pipelines.run;

import dev.spro.models.sampling.SamplingParams;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.flink.LocalFlinkCluster;
import dev.spro.pipelines.flink.RunGauges;
import dev.spro.schemas.Prompt;
import dev.spro.transforms.metrics.MetricNames;
import dev.spro.transforms.stages.Evaluate;
import dev.spro.transforms.stages.IterationContext;
import dev.spro.transforms.stages.ModelSpec;
import dev.spro.transforms.stages.RunLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;

/**
 * Evaluation of a checkpoint on held-out prompts (a user's test files or the built-in task's test
 * split), as one Beam pipeline per pass: a greedy pass (pass@1) and, with k samples, a sampled one
 * (mean@k and the unbiased pass@j), per data source. Metrics carry verl's names:
 * {@code val-core/<data_source>/acc/mean@1} and so on ({@link #metrics}).
 */
public final class Evaluation {
  private Evaluation() {}

  /** One pass: its scores per data source and over all prompts. */
  public record Result(int samples, Map<String, EvalScore> bySource, EvalScore all) {
    public double accuracy() {
      return all.accuracy();
    }

    public double passAtK() {
      return all.passAt(samples);
    }

    public double meanResponseLength() {
      return all.meanResponseLength();
    }
  }

  /** The settings both passes share. */
  public record Setup(ModelSpec spec, int batchRows, int shards, long seed, IterationContext.Reward reward) {
    public static Setup of(RunPlan plan) {
      RunConfig c = plan.config();
      return new Setup(plan.spec(), c.sampling.batchRows, c.flink.parallelism, c.run.seed, plan.reward());
    }
  }

  /**
   * The run's evaluations: iteration 0, every {@code eval.every}-th checkpoint and the last, each
   * once (its line in metrics.jsonl says it is done), on {@link RunPlan#evalPrompts}.
   */
  public record Periodic(RunPlan plan, Path runDir) {
    /** Whether checkpoint {@code k} is due for an evaluation that has not run yet. */
    boolean pending(RunDirectory dir, int k) throws IOException {
      RunConfig.Eval e = plan.config().eval;
      return e.every > 0 && !plan.evalPrompts().isEmpty() && (k % e.every == 0 || k == plan.config().run.iterations)
          && !dir.hasMetrics(k, "eval");
    }

    void maybeRun(RunDirectory dir, LocalFlinkCluster cluster, int k, Consumer<String> say) throws IOException {
      if (!pending(dir, k)) {
        return;
      }
      RunConfig c = plan.config();
      Path checkpoint = RunLayout.checkpoint(runDir, k);
      Setup setup = Setup.of(plan);
      String job = String.format(Locale.ROOT, "%s-eval-%06d", c.run.name, k);
      Result greedy = run(JobOptions.of(c, cluster, job, "evaluation of checkpoint " + k + ": greedy", k), checkpoint,
          plan.evalPrompts(), setup, plan.greedy(), 1, StageFailure.Where.of(runDir, job, () -> "the evaluation of iteration " + k));
      Result sampled = null;
      if (c.eval.samples > 0) {
        String sampledJob = job + "-sampled";
        sampled = run(JobOptions.of(c, cluster, sampledJob, "evaluation of checkpoint " + k + ": " + c.eval.samples + " samples", k),
            checkpoint, plan.evalPrompts(), setup, plan.sampling(),
            c.eval.samples, StageFailure.Where.of(runDir, sampledJob, () -> "the sampled evaluation of iteration " + k));
      }
      Map<String, Double> m = metrics(greedy, sampled);
      dir.putMetrics(k, "eval", m);
      RunGauges.INSTANCE.update(c.run.name, null, m);
      say.accept(String.format(Locale.ROOT, "eval %4d  test accuracy %.3f  (greedy pass@1, %d problems)  length %.1f%s", k,
          greedy.accuracy(), greedy.all().prompts(), greedy.meanResponseLength(), sampled == null ? ""
              : String.format(Locale.ROOT, "  mean@%d %.3f  pass@%d %.3f", sampled.samples(), sampled.accuracy(),
                  sampled.samples(), sampled.passAtK())));
      if (greedy.bySource().size() > 1) {
        table(greedy, sampled).lines().forEach(say);
      }
    }
  }

  /** Evaluates {@code checkpoint} on {@code prompts} with {@code samples} responses each. */
  public static Result run(PipelineOptions options, Path checkpoint, List<Prompt> prompts, Setup setup,
      SamplingParams sampling, int samples, StageFailure.Where where) {
    Pipeline p = Pipeline.create(options);
    String label = "test";
    p.apply("TestPrompts", Create.of(prompts).withCoder(AvroCoder.of(Prompt.class)))
        .apply("Evaluate", new Evaluate(label, checkpoint, setup.spec(), sampling, samples, setup.batchRows(),
            setup.shards(), setup.seed(), setup.reward()));
    PipelineResult r = StageFailure.run(p, where);
    String ns = Evaluate.namespace(label);
    Map<String, EvalScore> bySource = new LinkedHashMap<>();
    EvalScore all = new EvalScore("all", samples, 0, 0, 0, new long[samples + 1]);
    for (String ds : new TreeSet<>(prompts.stream().map(Prompt::getDataSource).toList())) {
      long[] byCorrect = new long[samples + 1];
      for (int c = 0; c <= samples; c++) {
        byCorrect[c] = BeamCounters.sum(r, ns, Evaluate.promptsCorrect(ds, c));
      }
      EvalScore s = new EvalScore(ds, samples, BeamCounters.sum(r, ns, Evaluate.counter(ds, "responses")),
          BeamCounters.sum(r, ns, Evaluate.counter(ds, "correct")),
          BeamCounters.sum(r, ns, Evaluate.counter(ds, "response_tokens")), byCorrect);
      bySource.put(ds, s);
      all = all.plus(s, "all");
    }
    return new Result(samples, bySource, all);
  }

  /** Evaluates outside a run directory ({@code spro eval}): a failure's trace goes to the temporary folder. */
  public static Result run(PipelineOptions options, Path checkpoint, List<Prompt> prompts, Setup setup,
      SamplingParams sampling, int samples) {
    Path traces = Path.of(System.getProperty("java.io.tmpdir"), "spro");
    return run(options, checkpoint, prompts, setup, sampling, samples,
        StageFailure.Where.of(traces, options.getJobName(), () -> "the evaluation of " + checkpoint));
  }

  /**
   * The metrics of a greedy pass and an optional sampled one, with verl's names per data source
   * ({@code val-core/<ds>/acc/mean@1} greedy; {@code val-core/<ds>/acc/mean@k} and
   * {@code .../pass@k} sampled, {@code val-aux/<ds>/acc/pass@j} for the powers of two below k;
   * {@code val-aux/<ds>/response_length/mean@1|k}), and over all prompts {@code val/accuracy} and
   * {@code val/response_length} (greedy).
   */
  public static Map<String, Double> metrics(Result greedy, Result sampled) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put(MetricNames.VAL_ACCURACY, greedy.accuracy());
    m.put(MetricNames.VAL_RESPONSE_LENGTH, greedy.meanResponseLength());
    for (EvalScore s : greedy.bySource().values()) {
      m.put("val-core/" + s.dataSource() + "/acc/mean@1", s.accuracy());
      m.put("val-aux/" + s.dataSource() + "/response_length/mean@1", s.meanResponseLength());
    }
    if (sampled != null) {
      int k = sampled.samples();
      for (EvalScore s : sampled.bySource().values()) {
        m.put("val-core/" + s.dataSource() + "/acc/mean@" + k, s.accuracy());
        m.put("val-core/" + s.dataSource() + "/acc/pass@" + k, s.passAt(k));
        for (int j = 1; j < k; j *= 2) {
          m.put("val-aux/" + s.dataSource() + "/acc/pass@" + j, s.passAt(j));
        }
        m.put("val-aux/" + s.dataSource() + "/response_length/mean@" + k, s.meanResponseLength());
      }
    }
    return m;
  }

  /** A table of both passes, one row per data source and one for all prompts. */
  public static String table(Result greedy, Result sampled) {
    StringBuilder t = new StringBuilder();
    int k = sampled == null ? 0 : sampled.samples();
    t.append(String.format(Locale.ROOT, "%-28s %8s %9s %9s", "data source", "prompts", "pass@1", "length"));
    if (k > 0) {
      t.append(String.format(Locale.ROOT, " %9s %9s %9s", "mean@" + k, "pass@" + k, "length@" + k));
    }
    t.append('\n');
    List<EvalScore> rows = new java.util.ArrayList<>(greedy.bySource().values());
    rows.add(greedy.all());
    for (EvalScore g : rows) {
      t.append(String.format(Locale.ROOT, "%-28s %8d %9.3f %9.1f", g.dataSource(), g.prompts(), g.accuracy(),
          g.meanResponseLength()));
      if (k > 0) {
        EvalScore s = g.dataSource().equals("all") ? sampled.all() : sampled.bySource().get(g.dataSource());
        t.append(String.format(Locale.ROOT, " %9.3f %9.3f %9.1f", s.accuracy(), s.passAt(k), s.meanResponseLength()));
      }
      t.append('\n');
    }
    return t.toString();
  }
}
