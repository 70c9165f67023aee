package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.config.ModelShapes;
import dev.spro.models.engine.DjlRuntime;
import dev.spro.models.nn.Transformer;
import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.RunPlan;
import dev.spro.transforms.data.Gsm8k;
import dev.spro.transforms.data.PromptWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A response ends on every end-of-sequence id the checkpoint's {@code generation_config.json}
 * names, as transformers' {@code generate} ends it — Qwen2.5-Instruct's lists {@code <|im_end|>}
 * (151645) and {@code <|endoftext|>} (151643) — besides {@code model.eosToken}; an id the model
 * cannot produce is refused naming the file before anything runs.
 */
class StopTokensTest {
  @TempDir static Path tmp;
  static Path model;

  @BeforeAll
  static void tinyModelWithTheRealVocabulary() {
    DjlRuntime.init();
    model = tmp.resolve("model");
    try (NDManager m = Engine.getInstance().newBaseManager();
        Transformer t = Transformer.initialize(ModelShapes.of("qwen2.5-0.5b").layers(1).hiddenSize(8).intermediateSize(16)
            .heads(2).kvHeads(1).build(), 1, m, DataType.FLOAT32)) {
      ModelCheckpoint.save(t, model);
    }
  }

  private static RunConfig config(Path data) {
    return RunConfig.parse("""
        run: {name: stops, seed: 1, iterations: 1}
        data: {task: null, files: %s, batchSize: 1}
        model:
          checkpoint: %s
          tokenizer: %s
          eosToken: "<|im_end|>"
          chatTemplate: chatml
        sampling: {samplesPerPrompt: 2, maxNewTokens: 8}
        warmStart: {enabled: false}
        eval: {every: 0}
        flink: {restPort: 0}
        """.formatted(data, model, Runs.repoFile("../shared/data/tokenizers/qwen3/tokenizer.json")), "stops.yaml");
  }

  private static Path data() throws Exception {
    Path data = tmp.resolve("gsm8k.parquet");
    if (!Files.exists(data)) {
      PromptWriter.writeParquet(data, Gsm8k.convert(Runs.repoFile("../shared/data/gsm8k/test.jsonl"), "test").prompts());
    }
    return data;
  }

  @Test
  void everyEosIdOfTheGenerationConfigEndsAResponse() throws Exception {
    Files.deleteIfExists(model.resolve("generation_config.json"));
    assertEquals(Set.of(151645), RunPlan.resolve(config(data())).sampling().stopTokens());
    Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": [151645, 151643], \"do_sample\": true}");
    RunPlan plan = RunPlan.resolve(config(data()));
    assertEquals(Set.of(151643, 151645), plan.sampling().stopTokens());
    assertEquals(Set.of(151643, 151645), plan.greedy().stopTokens());
    Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": 151643}");
    assertEquals(Set.of(151643, 151645), RunPlan.resolve(config(data())).sampling().stopTokens());
  }

  @Test
  void anEosIdBeyondTheModelIsRefusedNamingTheFile() throws Exception {
    Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": [151645, 200000]}");
    try {
      ConfigException e = assertThrows(ConfigException.class, () -> RunPlan.resolve(config(data())));
      assertTrue(e.getMessage().contains("generation_config.json names eos_token_id 200000"), e.getMessage());
      Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": \"<|im_end|>\"}");
      e = assertThrows(ConfigException.class, () -> RunPlan.resolve(config(data())));
      assertTrue(e.getMessage().contains("eos_token_id must be a token id"), e.getMessage());
    } finally {
      Files.deleteIfExists(model.resolve("generation_config.json"));
    }
  }
}
