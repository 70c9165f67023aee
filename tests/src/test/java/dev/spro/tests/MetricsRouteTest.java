package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * metrics.jsonl comes from one route — the batch metrics a Beam Combine commits with each
 * iteration, the gradient step's trainer state, the job's counters — and says what it said when
 * the driver re-read every stage output: {@code golden/tiny-metrics-before.jsonl} is the tiny
 * run's file written by the code before the change. Timings differ run to run and are left out;
 * sums may differ in the last bits (the Combine adds in another order), hence the 1e-9 tolerance.
 * Metrics added since the golden file was written are the only keys it may lack.
 */
class MetricsRouteTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  static List<JsonNode> lines(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(file)) {
      out.add(JSON.readTree(l));
    }
    return out;
  }

  /** Keys added after the golden file: the credit study's localisation and re-check counts. */
  static final Set<String> ADDED_SINCE = Set.of("credit/localisation_auroc_advantage", "credit/localisation_auroc_log_ratio",
      "credit/localised_responses", "response_length/recheck_steps");

  static boolean timing(String key) {
    return key.startsWith("timing_s/") || key.startsWith("perf/");
  }

  @Test
  void theTinyRunsMetricsAreTheSameAsBeforeTheCombine() throws Exception {
    RunConfig c = Runs.tiny();
    Path run = tmp.resolve("run");
    Runs.train(c, run);
    List<JsonNode> before = lines(Runs.repoFile("tests/src/test/resources/golden/tiny-metrics-before.jsonl"));
    List<JsonNode> after = lines(run.resolve(RunDirectory.METRICS));
    assertEquals(before.size(), after.size());
    for (int i = 0; i < before.size(); i++) {
      JsonNode b = before.get(i);
      JsonNode a = after.get(i);
      Set<String> keys = new TreeSet<>();
      b.fieldNames().forEachRemaining(keys::add);
      Set<String> afterKeys = new TreeSet<>();
      a.fieldNames().forEachRemaining(afterKeys::add);
      if (b.path("phase").asText().equals("train")) {
        assertTrue(afterKeys.containsAll(ADDED_SINCE), "line " + i + " has the newer metrics: " + afterKeys);
      }
      afterKeys.removeAll(ADDED_SINCE);
      assertEquals(keys, afterKeys, "line " + i);
      for (String k : keys) {
        if (timing(k)) {
          continue;
        }
        JsonNode bv = b.get(k);
        JsonNode av = a.get(k);
        if (bv.isNumber()) {
          double tolerance = 1e-9 * Math.max(1, Math.abs(bv.asDouble()));
          assertEquals(bv.asDouble(), av.asDouble(), tolerance, "line " + i + " " + k);
        } else {
          assertEquals(bv, av, "line " + i + " " + k);
        }
      }
    }
  }

  @Test
  void aLostLineIsRebuiltFromWhatTheIterationCommitted() throws Exception {
    RunConfig c = Runs.tiny();
    c.run.iterations = 2;
    c.flink.master = "direct";
    Path run = tmp.resolve("run");
    Runs.train(c, run);
    Path file = run.resolve(RunDirectory.METRICS);
    List<String> lines = Files.readAllLines(file);
    JsonNode lost = JSON.readTree(lines.get(0));
    Files.write(file, lines.subList(1, lines.size()));
    String printed = Runs.train(c, run); // complete: nothing to run, the line comes back
    assertTrue(printed.contains("is complete"), printed);
    List<JsonNode> repaired = lines(file);
    assertEquals(2, repaired.size());
    JsonNode back = repaired.stream().filter(n -> n.get("iteration").asInt() == 0).findFirst().orElseThrow();
    lost.fieldNames().forEachRemaining(k -> {
      if (!timing(k) && !k.startsWith("batch/")) {
        assertEquals(lost.get(k), back.get(k), k);
      }
    });
  }
}
