package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.config.GenerationConfig;
import dev.spro.models.config.ModelShapes;
import dev.spro.models.engine.DjlRuntime;
import dev.spro.models.nn.Transformer;
import dev.spro.models.sampling.Generation;
import dev.spro.models.sampling.Generator;
import dev.spro.models.sampling.SamplingParams;
import dev.spro.models.tokenizer.ChatTemplate;
import dev.spro.models.tokenizer.HfChatTemplate;
import dev.spro.models.tokenizer.HfTokenizer;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.runners.SproCli;
import dev.spro.transforms.data.Gsm8k;
import dev.spro.transforms.data.PromptWriter;
import dev.spro.transforms.stages.RunLayout;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model trained here and written by {@code spro export} is a directory Hugging Face transformers
 * loads with {@code from_pretrained} and generates from: its parameters are the exported tensors
 * bit for bit, its tokenizer and chat template give the prompt ids this product gives, and its
 * greedy continuation is this product's. Runs {@code src/test/python/export_in_transformers.py}
 * with the Python of {@code SPRO_PYTHON} or {@code bench/out/venv} (torch and transformers: see
 * bench/README.md), hence the slow profile.
 */
@Tag("slow")
class ExportLoadsInTransformersTest {
  static final String QUESTION = "Natalia sold clips to 48 of her friends in April, and then she sold half as many "
      + "clips in May. How many clips did Natalia sell altogether?";
  static final int NEW_TOKENS = 12;
  @TempDir Path tmp;

  @Test
  void transformersLoadsTheExportAndGeneratesWhatWeGenerate() throws Exception {
    DjlRuntime.init();
    Path model = tmp.resolve("model");
    try (NDManager m = Engine.getInstance().newBaseManager();
        Transformer t = Transformer.initialize(ModelShapes.of("qwen2.5-0.5b").layers(2).hiddenSize(32).intermediateSize(64)
            .heads(4).kvHeads(2).build(), 3, m, DataType.FLOAT32)) {
      ModelCheckpoint.save(t, model);
    }
    Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": [151645, 151643]}");
    Path data = tmp.resolve("gsm8k.parquet");
    PromptWriter.writeParquet(data, Gsm8k.convert(Runs.repoFile("../shared/data/gsm8k/test.jsonl"), "test").prompts());
    Path tokenizerDir = Runs.repoFile("../shared/data/tokenizers/qwen3");
    RunConfig c = RunConfig.parse("""
        run: {name: export, seed: 1, iterations: 1}
        data: {task: null, files: %s, batchSize: 2}
        model: {checkpoint: %s, tokenizer: %s, eosToken: "<|im_end|>", chatTemplate: model}
        sampling: {samplesPerPrompt: 2, maxNewTokens: 8}
        warmStart: {enabled: false}
        eval: {every: 0}
        flink: {restPort: 0}
        """.formatted(data, model, tokenizerDir.resolve("tokenizer.json")), "export.yaml");
    Path run = tmp.resolve("run");
    Runs.train(c, run);

    Path export = tmp.resolve("export");
    StringWriter err = new StringWriter();
    assertEquals(0, SproCli.commandLine().setErr(new PrintWriter(err, true)).execute("export", "--checkpoint",
        RunLayout.checkpoint(run, 1).toString(), "--out", export.toString()), err.toString());
    for (String f : List.of("config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
        "tokenizer_config.json")) {
      assertTrue(Files.isRegularFile(export.resolve(f)), f + " in the export (the run's tokenizer travels with it)");
    }

    // what this product computes from the export: prompt ids and the greedy continuation
    int[] promptIds;
    List<Integer> ours = new ArrayList<>();
    try (HfTokenizer tok = HfTokenizer.load(export.resolve("tokenizer.json"), "<|im_end|>", Integer.MAX_VALUE)) {
      promptIds = tok.encode(HfChatTemplate.read(export, LocalDate.now()).render(List.of(new ChatTemplate.Message("user",
          QUESTION))));
    }
    Set<Integer> stops = new TreeSet<>(GenerationConfig.read(export).eosTokenIds());
    try (NDManager m = Engine.getInstance().newBaseManager();
        Transformer t = ModelCheckpoint.load(export, m, DataType.FLOAT32)) {
      Generation g = Generator.generate(t, m, List.of(promptIds), new long[] {0},
          SamplingParams.greedy(NEW_TOKENS, stops), 151643).get(0);
      for (int id : g.tokens()) {
        ours.add(id);
      }
    }

    JsonNode theirs = transformers(export);
    assertEquals(0.0, theirs.get("max_abs_param_diff").asDouble(), "parameters loaded bit-exactly: " + theirs);
    assertEquals(0, theirs.get("unused_tensors").size(), theirs.toString());
    List<Integer> theirPrompt = new ArrayList<>();
    theirs.get("prompt_ids").forEach(n -> theirPrompt.add(n.asInt()));
    assertEquals(java.util.Arrays.stream(promptIds).boxed().toList(), theirPrompt, "the same prompt ids");
    List<Integer> theirGreedy = new ArrayList<>();
    theirs.get("generated_ids").forEach(n -> theirGreedy.add(n.asInt()));
    assertEquals(ours, theirGreedy, "the same greedy continuation");
  }

  private static JsonNode transformers(Path export) throws Exception {
    String python = System.getenv().getOrDefault("SPRO_PYTHON", Runs.repoFile("bench").resolve("out/venv/bin/python")
        .toString());
    assertTrue(Files.isExecutable(Path.of(python)), "no Python with torch and transformers at " + python
        + ": python3 -m venv bench/out/venv && bench/out/venv/bin/pip install torch transformers (or set SPRO_PYTHON)");
    Path log = export.resolveSibling("transformers.log");
    Process p = new ProcessBuilder(python, Runs.repoFile("tests/src/test/python/export_in_transformers.py").toString(),
        export.toString(), QUESTION, Integer.toString(NEW_TOKENS)).redirectErrorStream(true).redirectOutput(log.toFile())
        .start();
    assertTrue(p.waitFor(10, TimeUnit.MINUTES), "transformers did not finish");
    String out = Files.readString(log);
    assertEquals(0, p.exitValue(), out);
    return new ObjectMapper().readTree(out.substring(out.lastIndexOf("\n{") + 1));
  }
}
