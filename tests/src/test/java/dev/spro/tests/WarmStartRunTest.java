package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.transforms.stages.FaultInjection;
import dev.spro.transforms.stages.RunLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run with the supervised warm start and evaluations: iteration 0 is the warm-started model, evaluated. */
class WarmStartRunTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  static RunConfig warmTiny() {
    RunConfig c = Runs.tiny();
    c.run.iterations = 2;
    c.warmStart.enabled = true;
    c.warmStart.examples = 200;
    c.warmStart.steps = 20;
    c.warmStart.batchSize = 16;
    c.warmStart.saveEvery = 10;
    c.warmStart.logEvery = 5;
    c.eval.every = 1;
    c.eval.testSize = 16;
    return c;
  }

  @Test
  void warmStartBecomesIterationZeroAndEveryEvaluationIsLogged() throws Exception {
    RunConfig c = warmTiny();
    Path run = tmp.resolve("run");
    String printed = Runs.train(c, run);
    assertTrue(printed.contains("warm start: 20 steps"), printed);
    assertTrue(Files.exists(run.resolve("sft/teacher/_COMMITTED")));
    assertTrue(Files.exists(run.resolve("sft/step-000010/model.safetensors")), "intermediate SFT checkpoint");
    assertTrue(Files.exists(RunLayout.checkpoint(run, 0).resolve("manifest.json")));
    // iteration 0 is the warm-started model, not the initial one
    assertTrue(!java.util.Arrays.equals(Files.readAllBytes(run.resolve("sft/init/model.safetensors")),
        Files.readAllBytes(RunLayout.checkpoint(run, 0).resolve("model.safetensors"))));
    List<JsonNode> sft = new ArrayList<>();
    List<JsonNode> eval = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      JsonNode m = JSON.readTree(line);
      if (m.get("phase").asText().startsWith("sft")) {
        sft.add(m);
      } else if (m.get("phase").asText().equals("eval")) {
        eval.add(m);
      }
    }
    assertEquals(4, sft.size());
    assertTrue(sft.get(1).get("sft/loss").asDouble() < sft.get(0).get("sft/loss").asDouble() + 1e-9, "the loss falls");
    assertEquals(List.of(0, 1, 2), eval.stream().map(m -> m.get("iteration").asInt()).sorted().toList());
    for (JsonNode m : eval) {
      double acc = m.get("val/accuracy").asDouble();
      assertTrue(acc >= 0 && acc <= 1, m.toString());
    }
  }

  /**
   * A run killed in the middle of its warm start (after step 15; the newest step checkpoint is
   * step 10) and resumed ends with the same bytes as one that never stopped, and its warm-start
   * log has each step once.
   */
  @Test
  void aCrashDuringTheWarmStartResumesFromItsLastStepCheckpoint() throws Exception {
    RunConfig c = warmTiny();
    c.eval.every = 0;
    Path reference = tmp.resolve("reference");
    Runs.train(c, reference);
    String config = Runs.yaml(c, tmp);
    Path run = tmp.resolve("crashed");
    Path log = tmp.resolve("crash.log");
    Process p = Runs.spro(log, "train", "--config", config, "--run-dir", run.toString(), "--fail-at", "15:sft");
    assertEquals(FaultInjection.EXIT_CODE, Runs.waitFor(p, log), Files.readString(log));
    assertTrue(Files.exists(run.resolve("sft/step-000010/model.safetensors")));
    assertFalse(Files.exists(run.resolve("sft/step-000020")), "the crash came before step 20");
    assertFalse(Files.exists(RunLayout.checkpoint(run, 0)), "no iteration 0 before the warm start ends");
    assertEquals(3, Files.readAllLines(run.resolve("sft/log.jsonl")).size(), "steps 5, 10, 15 were logged before the crash");

    Path resumeLog = tmp.resolve("resume.log");
    Process r = Runs.spro(resumeLog, "resume", run.toString());
    assertEquals(0, Runs.waitFor(r, resumeLog), Files.readString(resumeLog));
    assertTrue(Files.readString(resumeLog).contains("resuming after step 10"), Files.readString(resumeLog));
    assertArrayEquals(Files.readAllBytes(RunLayout.checkpoint(reference, 0).resolve("model.safetensors")),
        Files.readAllBytes(RunLayout.checkpoint(run, 0).resolve("model.safetensors")), "the warm-started model");
    List<byte[]> want = Runs.checkpointBytes(reference, 2);
    List<byte[]> got = Runs.checkpointBytes(run, 2);
    assertArrayEquals(want.get(0), got.get(0), "the final model");
    assertArrayEquals(want.get(1), got.get(1), "the final optimizer state");
    assertEquals(Files.readAllLines(reference.resolve("sft/log.jsonl")), Files.readAllLines(run.resolve("sft/log.jsonl")));
  }
}
