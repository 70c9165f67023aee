package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.schemas.Rollout;
import dev.spro.schemas.ScoredRollout;
import dev.spro.schemas.TrainingExample;
import dev.spro.schemas.io.AvroFiles;
import dev.spro.transforms.stages.RunLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole runs of the tiny config: on the Flink runner, reproducible, with every estimator. */
class TrainingRunTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  static <T extends org.apache.avro.specific.SpecificRecord> List<T> records(Path dir, Class<T> type) throws Exception {
    List<T> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.filter(f -> f.toString().endsWith(".avro")).sorted().toList()) {
        out.addAll(AvroFiles.read(f, type));
      }
    }
    return out;
  }

  /** 3 SPRO iterations on embedded Flink: every stage committed with prompts x G records, checkpoints, metrics. */
  @Test
  void threeIterationsOnFlinkCommitEveryStage() throws Exception {
    RunConfig c = Runs.tiny();
    Path run = tmp.resolve("run");
    String printed = Runs.train(c, run);
    assertTrue(printed.contains("Flink web UI: http://"), printed);
    int expected = c.data.batchSize * c.sampling.samplesPerPrompt;
    for (int k = 0; k < 3; k++) {
      for (String stage : List.of(RunLayout.ROLLOUTS, RunLayout.REWARDED, RunLayout.SCORED, RunLayout.EXAMPLES)) {
        Path dir = RunLayout.stage(run, k, stage);
        assertTrue(Files.exists(dir.resolve(RunLayout.COMMITTED)), dir + " is not committed");
      }
      List<Rollout> rollouts = records(RunLayout.stage(run, k, RunLayout.ROLLOUTS), Rollout.class);
      assertEquals(expected, rollouts.size());
      Set<String> keys = new HashSet<>();
      rollouts.forEach(r -> keys.add(r.getPromptId() + "#" + r.getSampleIndex()));
      assertEquals(expected, keys.size(), "no duplicated or missing rollouts");
      List<ScoredRollout> scored = records(RunLayout.stage(run, k, RunLayout.SCORED), ScoredRollout.class);
      assertEquals(expected, scored.size());
      for (ScoredRollout s : scored) {
        int n = s.getRollout().getResponseTokenIds().size();
        assertEquals(n, s.getOldLogprobs().size());
        assertEquals(n, s.getRefLogprobs().size());
      }
      assertEquals(expected, records(RunLayout.stage(run, k, RunLayout.EXAMPLES), TrainingExample.class).size());
      Path ckpt = RunLayout.checkpoint(run, k + 1);
      JsonNode manifest = JSON.readTree(ckpt.resolve("manifest.json").toFile());
      assertEquals(k + 1, manifest.get("iteration").asInt());
      for (JsonNode f : manifest.get("files")) {
        assertEquals(f.get("size").asLong(), Files.size(ckpt.resolve(f.get("path").asText())));
      }
    }
    assertEquals("iter-000003", Files.readString(run.resolve("latest")).trim());
    List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
    assertEquals(3, lines.size());
    for (int k = 0; k < 3; k++) {
      JsonNode m = JSON.readTree(lines.get(k));
      assertEquals(k, m.get("iteration").asInt());
      for (String key : List.of("critic/score/mean", "actor/pg_clipfrac", "actor/entropy", "response_length/mean",
          "actor/kl_ref", "timing_s/gen", "timing_s/ref", "timing_s/update_actor", "timing_s/step", "perf/throughput",
          "perf/max_memory_allocated_gb", "actor/grad_norm")) {
        assertTrue(m.has(key), key + " missing from " + lines.get(k));
      }
    }
    // A finished run asked to train again says so and changes nothing.
    byte[] before = Files.readAllBytes(RunLayout.checkpoint(run, 3).resolve("model.safetensors"));
    assertTrue(Runs.train(c, run).contains("is complete"));
    assertArrayEquals(before, Files.readAllBytes(RunLayout.checkpoint(run, 3).resolve("model.safetensors")));
  }

  /** Same config and seed: byte-identical checkpoints — on Flink and on the DirectRunner alike; another seed differs. */
  @Test
  void sameSeedSameBitsOnAnyRunnerOtherSeedOtherBits() throws Exception {
    RunConfig flink = Runs.tiny();
    flink.run.iterations = 2;
    Runs.train(flink, tmp.resolve("a"));
    RunConfig direct = Runs.tiny();
    direct.run.iterations = 2;
    direct.flink.master = "direct";
    Runs.train(direct, tmp.resolve("b"));
    List<byte[]> a = Runs.checkpointBytes(tmp.resolve("a"), 2);
    List<byte[]> b = Runs.checkpointBytes(tmp.resolve("b"), 2);
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i), b.get(i));
    }
    RunConfig other = Runs.tiny();
    other.run.iterations = 2;
    other.flink.master = "direct";
    other.run.seed = 2;
    Runs.train(other, tmp.resolve("c"));
    assertFalse(java.util.Arrays.equals(a.get(0), Runs.checkpointBytes(tmp.resolve("c"), 2).get(0)));
  }

  /**
   * The same tiny run completes with GRPO, RLOO, PRIME (which also trains and checkpoints its
   * reward model) and the credit study's placebo (sampling seeds) and oracle (first wrong tokens),
   * which read columns only a real run provides.
   */
  @Test
  void everyEstimatorCompletes() throws Exception {
    for (String algo : List.of("grpo", "rloo", "prime", "spro-placebo", "oracle")) {
      RunConfig c = Runs.tiny();
      c.run.iterations = 2;
      c.algorithm.name = algo;
      Path run = tmp.resolve(algo);
      Runs.train(c, run);
      assertTrue(Files.exists(RunLayout.checkpoint(run, 2).resolve("model.safetensors")), algo);
      if (algo.equals("prime")) {
        assertTrue(Files.exists(RunLayout.prm(run, 2).resolve("model.safetensors")), "PRIME's reward model is checkpointed");
        List<TrainingExample> ex = records(RunLayout.stage(run, 1, RunLayout.EXAMPLES), TrainingExample.class);
        assertTrue(ex.stream().allMatch(e -> e.getPrmLogprobs() != null));
      }
      if (algo.equals("oracle")) {
        List<TrainingExample> ex = records(RunLayout.stage(run, 1, RunLayout.EXAMPLES), TrainingExample.class);
        assertTrue(ex.stream().allMatch(e -> e.getFirstErrorToken() != null), "the step checker saw every response");
        assertTrue(ex.stream().anyMatch(e -> e.getFirstErrorToken() >= 0), "and located some errors");
      }
    }
  }
}
