package dev.spro.pipelines.check;

import dev.spro.pipelines.run.BeamCounters;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * The whole check pipeline: seeds, spread over the workers, through {@link TensorWorkload}, each
 * result compared with the same arithmetic in plain Java and counted as matched or mismatched.
 */
public final class EngineCheck {
  private EngineCheck() {}

  /** What a check run saw. */
  public record Report(long elements, long matched, long mismatched, double seconds) {
    public boolean passed(long expectedElements) {
      return matched == expectedElements && mismatched == 0;
    }
  }

  /** Adds the check to {@code pipeline}; returns the engine's results (seed, value). */
  public static PCollection<KV<Long, Double>> expand(Pipeline pipeline, int elements, int size) {
    List<Long> seeds = LongStream.range(0, elements).boxed().toList();
    PCollection<KV<Long, Double>> results =
        pipeline
            .apply("Seeds", Create.of(seeds))
            .apply("SpreadOverWorkers", Reshuffle.viaRandomKey())
            .apply("TensorWorkload", new TensorWorkload(size));
    results.apply("CompareWithJava", ParDo.of(new CompareFn(size)));
    return results;
  }

  /** Builds and runs the check with {@code options}; blocks until it finishes. */
  public static Report run(PipelineOptions options, int elements, int size) {
    long start = System.nanoTime();
    Pipeline pipeline = Pipeline.create(options);
    expand(pipeline, elements, size);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Report(
        counter(result, "elements"), counter(result, "matched"), counter(result, "mismatched"), seconds);
  }

  /** Sum over workers of a counter in {@link TensorWorkload#METRICS_NAMESPACE}. */
  public static long counter(PipelineResult result, String name) {
    return BeamCounters.sum(result, TensorWorkload.METRICS_NAMESPACE, name);
  }

  static final class CompareFn extends DoFn<KV<Long, Double>, Void> {
    private final Counter matched = Metrics.counter(TensorWorkload.METRICS_NAMESPACE, "matched");
    private final Counter mismatched = Metrics.counter(TensorWorkload.METRICS_NAMESPACE, "mismatched");
    private final int size;

    CompareFn(int size) {
      this.size = size;
    }

    @ProcessElement
    public void process(@Element KV<Long, Double> result) {
      double expected = TensorWorkload.expected(result.getKey(), size);
      if (Math.abs(expected - result.getValue()) <= 1e-9 * Math.max(1, Math.abs(expected))) {
        matched.inc();
      } else {
        mismatched.inc();
      }
    }
  }
}
