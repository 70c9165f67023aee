package dev.spro.pipelines.run;

import dev.spro.models.sampling.SamplingParams;
import dev.spro.schemas.Prompt;
import dev.spro.transforms.stages.Evaluate;
import dev.spro.transforms.stages.ModelSpec;
import dev.spro.transforms.task.ArithmeticTask;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.flink.LocalFlinkCluster;
import dev.spro.transforms.metrics.MetricNames;
import dev.spro.transforms.stages.RunLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;

/**
 * Evaluation of a checkpoint on the built-in task's test split, as one Beam pipeline: pass@1
 * (greedy, or the mean over samples when sampling) and pass@k, and the mean response length.
 */
public final class Evaluation {
  private Evaluation() {}

  /** What an evaluation measured. */
  public record Result(double accuracy, double passAtK, double meanResponseLength, long responses, int samples) {}

  /**
   * Greedy pass@1 of a run's checkpoints on the test split of its built-in task: iteration 0,
   * every {@code eval.every}-th and the last, each once (its line in metrics.jsonl says it is done).
   */
  public record Periodic(RunPlan plan, Path runDir) {
    /** Whether checkpoint {@code k} is due for an evaluation that has not run yet. */
    boolean pending(RunDirectory dir, int k) throws IOException {
      RunConfig.Eval e = plan.config().eval;
      return e.every > 0 && plan.task() != null && (k % e.every == 0 || k == plan.config().run.iterations)
          && !dir.hasMetrics(k, "eval");
    }

    void maybeRun(RunDirectory dir, LocalFlinkCluster cluster, int k, Consumer<String> say) throws IOException {
      if (!pending(dir, k)) {
        return;
      }
      RunConfig c = plan.config();
      String job = String.format(Locale.ROOT, "%s-eval-%06d", c.run.name, k);
      Result r = run(JobOptions.of(c, cluster, job), RunLayout.checkpoint(runDir, k), plan.task(), c.eval.testSize,
          plan.spec(), plan.greedy(), 1, c.sampling.batchRows, c.flink.parallelism, c.run.seed,
          StageFailure.Where.of(runDir, job, () -> "the evaluation of iteration " + k));
      dir.putMetrics(k, "eval",
          Map.of(MetricNames.VAL_ACCURACY, r.accuracy(), MetricNames.VAL_RESPONSE_LENGTH, r.meanResponseLength()));
      say.accept(String.format(Locale.ROOT, "eval %4d  test accuracy %.3f  (greedy pass@1, %d problems)  length %.1f", k,
          r.accuracy(), c.eval.testSize, r.meanResponseLength()));
    }
  }

  public static Result run(PipelineOptions options, Path checkpoint, ArithmeticTask task, int testSize, ModelSpec spec,
      SamplingParams sampling, int samples, int batchRows, int shards, long seed) {
    // outside a run directory (spro eval): the trace goes to the temporary folder
    Path traces = Path.of(System.getProperty("java.io.tmpdir"), "spro");
    return run(options, checkpoint, task, testSize, spec, sampling, samples, batchRows, shards, seed,
        StageFailure.Where.of(traces, options.getJobName(), () -> "the evaluation of " + checkpoint));
  }

  static Result run(PipelineOptions options, Path checkpoint, ArithmeticTask task, int testSize, ModelSpec spec,
      SamplingParams sampling, int samples, int batchRows, int shards, long seed, StageFailure.Where where) {
    Pipeline p = Pipeline.create(options);
    List<Prompt> prompts = new ArrayList<>();
    for (int i = 0; i < testSize; i++) {
      prompts.add(task.prompt("test", i));
    }
    String label = "test";
    p.apply("TestPrompts", Create.of(prompts).withCoder(AvroCoder.of(Prompt.class)))
        .apply("Evaluate", new Evaluate(label, checkpoint, spec, sampling, samples, batchRows, shards, seed));
    PipelineResult r = StageFailure.run(p, where);
    String ns = Evaluate.namespace(label);
    long correct = BeamCounters.sum(r, ns, "correct");
    long responses = BeamCounters.sum(r, ns, "responses");
    long solved = BeamCounters.sum(r, ns, "prompts_solved");
    long promptCount = BeamCounters.sum(r, ns, "prompts");
    long tokens = BeamCounters.sum(r, ns, "response_tokens");
    return new Result(responses == 0 ? 0 : (double) correct / responses, promptCount == 0 ? 0 : (double) solved / promptCount,
        responses == 0 ? 0 : (double) tokens / responses, responses, samples);
  }
}
