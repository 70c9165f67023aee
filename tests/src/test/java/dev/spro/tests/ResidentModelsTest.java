package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.RunDirectory;
import dev.spro.transforms.metrics.MetricNames;
import dev.spro.transforms.stages.RunLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models stay resident in the worker JVM: with two workers, sampling, scoring and the gradient
 * stage share one copy of the policy per iteration, and the reference (here the iteration-0
 * checkpoint, the same files as iteration 0's policy) is loaded once for the whole run — one load
 * per iteration instead of 4P+1 = 9, counted in metrics.jsonl.
 */
class ResidentModelsTest {
  @TempDir Path tmp;

  @Test
  void thePolicyIsLoadedOncePerIterationAndTheReferenceOncePerRun() throws Exception {
    RunConfig c = Runs.tiny();
    c.flink.parallelism = 2;
    Path run = tmp.resolve("run");
    Runs.train(c, run);
    List<JsonNode> lines = RunDirectory.metricRows(run).stream().filter(r -> r.get("phase").asText().equals("train")).toList();
    assertEquals(c.run.iterations, lines.size());
    long modelBytes = Files.size(RunLayout.checkpoint(run, 0).resolve(ModelCheckpoint.WEIGHTS));
    for (JsonNode line : lines) {
      int k = line.get("iteration").asInt();
      assertEquals(1, line.get(MetricNames.PERF_MODEL_LOADS).asLong(), "iteration " + k + ": " + line);
      assertEquals(modelBytes, line.get(MetricNames.PERF_MODEL_BYTES_READ).asLong(), "iteration " + k);
    }
  }
}
