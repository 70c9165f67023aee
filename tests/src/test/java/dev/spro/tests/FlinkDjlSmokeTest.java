package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spro.pipelines.check.EngineCheck;
import dev.spro.pipelines.check.TensorWorkload;
import dev.spro.pipelines.flink.FlinkOptions;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;

/**
 * Beam on the Flink runner (an embedded cluster, parallelism 2) runs a DoFn that loads the DJL
 * engine in {@code @Setup} and does tensor work per element: Beam, Flink and the native engine
 * share one JVM, and every element's result equals the same arithmetic done in plain Java.
 */
class FlinkDjlSmokeTest {
  static final int SIZE = 64;
  static final int ELEMENTS = 40;

  @Test
  void djlWorksInsideFlinkWorkers() {
    Pipeline pipeline = Pipeline.create(FlinkOptions.forJob(FlinkOptions.LOCAL, 2, "spro-smoke-test"));
    PCollection<KV<Long, Double>> results = EngineCheck.expand(pipeline, ELEMENTS, SIZE);
    PAssert.that(results)
        .satisfies(
            actual -> {
              List<KV<Long, Double>> sorted = new ArrayList<>();
              actual.forEach(sorted::add);
              sorted.sort((a, b) -> Long.compare(a.getKey(), b.getKey()));
              assertEquals(ELEMENTS, sorted.size());
              for (int i = 0; i < ELEMENTS; i++) {
                assertEquals(i, sorted.get(i).getKey());
                assertEquals(TensorWorkload.expected(i, SIZE), sorted.get(i).getValue(), 1e-9, "seed " + i);
              }
              return null;
            });

    PipelineResult result = pipeline.run();
    assertEquals(PipelineResult.State.DONE, result.waitUntilFinish());
    assertEquals(ELEMENTS, EngineCheck.counter(result, "elements"));
    assertEquals(ELEMENTS, EngineCheck.counter(result, "matched"));
    assertEquals(0, EngineCheck.counter(result, "mismatched"));
  }
}
