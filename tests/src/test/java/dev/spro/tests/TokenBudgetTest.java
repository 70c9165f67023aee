package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.RunDirectory;
import dev.spro.schemas.Rollout;
import dev.spro.schemas.io.AvroFiles;
import dev.spro.transforms.metrics.MetricNames;
import dev.spro.transforms.stages.RunLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Engine calls sized by a token budget (`sampling.batchTokens`, `optimizer.microBatchTokens`)
 * instead of a row count: the same rollouts (a row's draws do not depend on its batchmates) and
 * the same update up to float summation order.
 */
class TokenBudgetTest {
  @TempDir Path tmp;

  @Test
  void smallerCallsGiveTheSameRolloutsAndUpdate() throws Exception {
    RunConfig rows = Runs.tiny();
    rows.run.iterations = 1;
    Path byRows = tmp.resolve("rows");
    Runs.train(rows, byRows);

    RunConfig tokens = Runs.tiny();
    tokens.run.iterations = 1;
    tokens.sampling.batchTokens = 90; // a few rows per call instead of 32
    tokens.optimizer.microBatchTokens = 60;
    Path byTokens = tmp.resolve("tokens");
    Runs.train(tokens, byTokens);

    assertEquals(rollouts(byRows), rollouts(byTokens));
    JsonNode a = RunDirectory.metricRows(byRows).get(0);
    JsonNode b = RunDirectory.metricRows(byTokens).get(0);
    double na = a.get(MetricNames.ACTOR_GRAD_NORM).asDouble();
    double nb = b.get(MetricNames.ACTOR_GRAD_NORM).asDouble();
    assertEquals(na, nb, 1e-4 * Math.max(1e-12, Math.abs(na)), "gradient norm by rows " + na + ", by tokens " + nb);
  }

  static List<String> rollouts(Path run) throws Exception {
    List<String> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(RunLayout.stage(run, 0, RunLayout.ROLLOUTS))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".avro")).toList()) {
        AvroFiles.read(f, Rollout.class).forEach(r -> all.add(r.getPromptId() + "/" + r.getSampleIndex() + ":"
            + r.getResponseTokenIds()));
      }
    }
    all.sort(null);
    return all;
  }
}
