package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spro.pipelines.run.RunDirectory;
import dev.spro.transforms.metrics.MetricNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory at the real vocabulary: a small model with Qwen's 151,936 ids, the real Qwen tokenizer
 * and GSM8K prompts, through sampling, scoring and a gradient step — once with 64 new tokens and
 * once with 256, each in its own JVM. Both span several chunks of logits ({@link
 * dev.spro.models.nn.Scorer#CHUNK_ELEMENTS}), so each stage's peak resident set (as the workers
 * report it) must stay where the chunk puts it: the 192 more tokens of 8 rows would be 0.93 GB per
 * copy of {@code [rows, T, vocab]} logits, and scoring and the backward used to hold several.
 */
class RealVocabularyMemoryTest {
  /** At most this much more resident memory per stage for 4x the tokens (a third of one copy of the extra logits). */
  private static final double ALLOWED_GROWTH_GB = 0.3;

  @TempDir Path tmp;

  @Test
  void peakMemoryGrowsWithTheChunkNotWithTheResponse() throws Exception {
    Path model = tmp.resolve("model");
    run(tmp.resolve("init.log"), "init", "--shape", "qwen2.5-0.5b", "--layers", "2", "--hidden", "64", "--intermediate", "128",
        "--heads", "4", "--kv-heads", "2", "--out", model.toString());
    Path data = tmp.resolve("gsm8k.parquet");
    run(tmp.resolve("data.log"), "data", "gsm8k", "--in", Runs.repoFile("../shared/data/gsm8k/train.jsonl").toString(),
        "--out", data.toString());
    JsonNode shortRun = train(model, data, 64);
    JsonNode longRun = train(model, data, 256);
    assertTrue(longRun.get(MetricNames.RESPONSE_LENGTH_MEAN).asDouble() > 200, "a random model rarely stops early: "
        + longRun.get(MetricNames.RESPONSE_LENGTH_MEAN));
    List<String> stages = List.of(MetricNames.PERF_PEAK_MEMORY_GEN_GB, MetricNames.PERF_PEAK_MEMORY_REF_GB,
        MetricNames.PERF_PEAK_MEMORY_UPDATE_GB);
    StringBuilder seen = new StringBuilder();
    for (String stage : stages) {
      seen.append(String.format("%n%s: %.2f GB with 64 new tokens, %.2f GB with 256", stage, shortRun.get(stage).asDouble(),
          longRun.get(stage).asDouble()));
    }
    System.out.println(seen);
    for (String stage : stages) {
      double a = shortRun.get(stage).asDouble();
      double b = longRun.get(stage).asDouble();
      assertTrue(a > 0.2, stage + " is the process's resident set, not " + a + " GB");
      assertTrue(b - a < ALLOWED_GROWTH_GB, stage + " grew with the response:" + seen);
    }
  }

  private JsonNode train(Path model, Path data, int newTokens) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("t" + newTokens));
    Path config = dir.resolve("config.yaml");
    Files.writeString(config, """
        run: {name: memory, seed: 1, iterations: 1}
        data: {task: null, files: %s, batchSize: 2}
        model:
          checkpoint: %s
          tokenizer: %s
          eosToken: "<|endoftext|>"
          chatTemplate: chatml
        sampling: {samplesPerPrompt: 4, maxNewTokens: %d, batchRows: 8}
        optimizer: {lr: 1.0e-6, microBatch: 8}
        loss: {entropyCoef: 0.001}
        warmStart: {enabled: false}
        eval: {every: 0}
        flink: {parallelism: 1, restPort: 0}
        """.formatted(data, model, Runs.repoFile("../shared/data/tokenizers/qwen3/tokenizer.json"), newTokens));
    run(dir.resolve("train.log"), "train", "--config", config.toString(), "--run-dir", dir.resolve("run").toString());
    List<JsonNode> rows = RunDirectory.metricRows(dir.resolve("run"));
    assertEquals(1, rows.size());
    return rows.get(0);
  }

  private static void run(Path log, String... args) throws Exception {
    int code = Runs.waitFor(Runs.spro(log, List.of("-Xmx1g"), args), log);
    assertEquals(0, code, () -> {
      try {
        return String.join(" ", args) + " failed:\n" + Files.readString(log);
      } catch (java.io.IOException e) {
        return e.toString();
      }
    });
  }
}
