package dev.spro.pipelines.run;

import dev.spro.models.sampling.SamplingParams;
import dev.spro.schemas.Prompt;
import dev.spro.transforms.stages.Evaluate;
import dev.spro.transforms.stages.ModelSpec;
import dev.spro.transforms.task.ArithmeticTask;
import java.nio.file.Path;
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

  public static Result run(PipelineOptions options, Path checkpoint, ArithmeticTask task, int testSize, ModelSpec spec,
      SamplingParams sampling, int samples, int batchRows, int shards, long seed) {
    Pipeline p = Pipeline.create(options);
    List<Prompt> prompts = new ArrayList<>();
    for (int i = 0; i < testSize; i++) {
      prompts.add(task.prompt("test", i));
    }
    String label = "test";
    p.apply("TestPrompts", Create.of(prompts).withCoder(AvroCoder.of(Prompt.class)))
        .apply("Evaluate", new Evaluate(label, checkpoint, spec, sampling, samples, batchRows, shards, seed));
    PipelineResult r = p.run();
    PipelineResult.State state = r.waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("evaluation of " + checkpoint + " ended in state " + state);
    }
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
