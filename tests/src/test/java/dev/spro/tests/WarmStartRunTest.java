package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.pipelines.config.RunConfig;
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

  @Test
  void warmStartBecomesIterationZeroAndEveryEvaluationIsLogged() throws Exception {
    RunConfig c = Runs.tiny();
    c.run.iterations = 2;
    c.warmStart.enabled = true;
    c.warmStart.examples = 200;
    c.warmStart.steps = 20;
    c.warmStart.batchSize = 16;
    c.warmStart.saveEvery = 10;
    c.warmStart.logEvery = 10;
    c.eval.every = 1;
    c.eval.testSize = 16;
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
    assertEquals(2, sft.size());
    assertTrue(sft.get(1).get("sft/loss").asDouble() < sft.get(0).get("sft/loss").asDouble() + 1e-9, "the loss falls");
    assertEquals(List.of(0, 1, 2), eval.stream().map(m -> m.get("iteration").asInt()).sorted().toList());
    for (JsonNode m : eval) {
      double acc = m.get("val/accuracy").asDouble();
      assertTrue(acc >= 0 && acc <= 1, m.toString());
    }
  }
}
