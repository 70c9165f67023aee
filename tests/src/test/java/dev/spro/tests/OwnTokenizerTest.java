package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import dev.spro.models.tokenizer.TextTokenizer;
import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.RunPlan;
import dev.spro.schemas.ChatMessage;
import dev.spro.schemas.Prompt;
import dev.spro.transforms.data.Gsm8k;
import dev.spro.transforms.data.PromptWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own Hugging Face tokenizer in a run. Its chat template ({@code model.chatTemplate:
 * model}) makes the prompt token ids transformers makes. A response ends on every end-of-sequence id the checkpoint's {@code generation_config.json}
 * names, as transformers' {@code generate} ends it — Qwen2.5-Instruct's lists {@code <|im_end|>}
 * (151645) and {@code <|endoftext|>} (151643) — besides {@code model.eosToken}; an id the model
 * cannot produce is refused naming the file before anything runs.
 */
class OwnTokenizerTest {
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
    return config(data, "chatml");
  }

  private static RunConfig config(Path data, String chatTemplate) {
    return RunConfig.parse("""
        run: {name: stops, seed: 1, iterations: 1}
        data: {task: null, files: %s, batchSize: 1}
        model:
          checkpoint: %s
          tokenizer: %s
          eosToken: "<|im_end|>"
          chatTemplate: %s
        sampling: {samplesPerPrompt: 2, maxNewTokens: 8}
        warmStart: {enabled: false}
        eval: {every: 0}
        flink: {restPort: 0}
        """.formatted(data, model, Runs.repoFile("../shared/data/tokenizers/qwen3/tokenizer.json"), chatTemplate), "stops.yaml");
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

  /** transformers 5.18's apply_chat_template of this conversation with the Qwen3 tokenizer (chat_template_fixtures.py). */
  private static final int[] QWEN3_IDS = {151644, 8948, 198, 2610, 525, 264, 16585, 6888, 25302, 13, 151645, 198, 151644,
      872, 198, 45, 4212, 685, 6088, 26111, 311, 220, 19, 23, 315, 1059, 4780, 304, 5813, 11, 323, 1221, 1340, 6088, 4279,
      438, 1657, 26111, 304, 3217, 13, 2585, 1657, 26111, 1521, 41601, 685, 4559, 30055, 30, 151645, 198, 151644, 77091, 198};

  @Test
  void theModelsOwnTemplateMakesThePromptTransformersMakes() throws Exception {
    RunPlan plan = RunPlan.resolve(config(data(), "model"));
    Prompt p = Prompt.newBuilder().setId("p").setDataSource("openai/gsm8k").setGroundTruth("72")
        .setMessages(List.of(new ChatMessage("system", "You are a careful math tutor."), new ChatMessage("user",
            "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips "
                + "did Natalia sell altogether?")))
        .build();
    try (TextTokenizer t = plan.spec().newTokenizer(plan.vocabSize())) {
      assertArrayEquals(QWEN3_IDS, plan.spec().encodePrompt(t, p));
    }
    // a tokenizer directory without a template is refused before anything runs, naming the key
    Path bare = tmp.resolve("bare");
    Files.createDirectories(bare);
    Files.copy(Runs.repoFile("../shared/data/tokenizers/qwen3/tokenizer.json"), bare.resolve("tokenizer.json"));
    RunConfig c = config(data(), "model");
    c.model.tokenizer = bare.resolve("tokenizer.json").toString();
    ConfigException e = assertThrows(ConfigException.class, () -> RunPlan.resolve(c));
    assertTrue(e.getMessage().contains("model.chatTemplate 'model': no chat template in " + bare), e.getMessage());
  }

  /**
   * A whole Hugging Face directory (weights, tokenizer, template) samples and evaluates without a
   * config: its own tokenizer, eos token and chat template are taken.
   */
  @Test
  void aModelDirectorySamplesAndEvaluatesWithoutAConfig() throws Exception {
    Path dir = tmp.resolve("whole-model");
    Files.createDirectories(dir);
    try (var files = Files.list(model)) {
      for (Path f : files.toList()) {
        Files.copy(f, dir.resolve(f.getFileName()));
      }
    }
    for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
      Files.copy(Runs.repoFile("../shared/data/tokenizers/qwen3/" + f), dir.resolve(f));
    }
    Path out = tmp.resolve("whole-model.jsonl");
    java.io.StringWriter err = new java.io.StringWriter();
    assertEquals(0, dev.spro.runners.SproCli.commandLine().setErr(new java.io.PrintWriter(err, true)).execute("sample",
        "--checkpoint", dir.toString(), "--prompt", "What is 2+2?", "--max-new-tokens", "3", "--out", out.toString()),
        err.toString());
    com.fasterxml.jackson.databind.JsonNode line = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(Files.readAllLines(out).get(0));
    assertEquals("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", line.get("prompt").asText(),
        "Qwen3's own template, from the directory");
    assertTrue(line.get("response_tokens").asInt() <= 3, line.toString());

    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    try {
      System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(0, dev.spro.runners.SproCli.commandLine().setErr(new java.io.PrintWriter(err, true)).execute("eval",
          "--checkpoint", dir.toString(), "--data", data().toString(), "--test-size", "2", "--json"), err.toString());
    } finally {
      System.setOut(stdout);
    }
    String json = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(json.contains("\"val-core/openai/gsm8k/acc/mean@1\"") && json.contains("\"test_prompts\" : 2"), json);
  }
}
