package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.Dataset;
import dev.spro.runners.SproCli;
import dev.spro.transforms.data.PromptWriter;
import dev.spro.transforms.stages.RunLayout;
import dev.spro.transforms.task.ArithmeticTask;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spro sample}: JSONL responses of a trained checkpoint, the same for the same seed. */
class SampleCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path tmp;
  static String checkpoint;
  static String config;
  static RunConfig tiny;

  @BeforeAll
  static void trainOneIteration() throws Exception {
    tiny = Runs.tiny();
    tiny.run.iterations = 1;
    Runs.train(tiny, tmp.resolve("run"));
    checkpoint = RunLayout.checkpoint(tmp.resolve("run"), 1).toString();
    config = Runs.yaml(tiny, tmp);
  }

  private static int sample(String... args) {
    List<String> all = new ArrayList<>(List.of("sample", "--checkpoint", checkpoint, "--config", config));
    all.addAll(List.of(args));
    return SproCli.commandLine().setErr(new PrintWriter(new StringWriter(), true)).execute(all.toArray(String[]::new));
  }

  private static List<JsonNode> lines(Path f) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(f)) {
      out.add(JSON.readTree(l));
    }
    return out;
  }

  @Test
  void theSameSeedGivesTheSameLinesAndAnotherSeedOthers() throws Exception {
    Path a = tmp.resolve("a.jsonl");
    Path b = tmp.resolve("b.jsonl");
    Path c = tmp.resolve("c.jsonl");
    for (Path f : List.of(a, b)) {
      assertEquals(0, sample("--prompt", "3+4=", "--prompt", "9+8+1=", "--n", "3", "--seed", "5", "--out", f.toString()));
    }
    assertEquals(0, sample("--prompt", "3+4=", "--prompt", "9+8+1=", "--n", "3", "--seed", "6", "--out", c.toString()));
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    assertFalse(Files.readString(a).equals(Files.readString(c)), "another seed, other draws");
    List<JsonNode> rows = lines(a);
    assertEquals(6, rows.size());
    for (int i = 0; i < rows.size(); i++) {
      JsonNode r = rows.get(i);
      assertEquals(String.format("prompt-%06d", i / 3), r.get("id").asText());
      assertEquals(i % 3, r.get("sample").asInt());
      assertEquals(i < 3 ? "3+4=\n" : "9+8+1=\n", r.get("prompt").asText(), "the config's plain template");
      assertTrue(r.get("response_tokens").asInt() >= 1 && r.get("response_tokens").asInt() <= 24, r.toString());
      assertTrue(List.of("stop", "length").contains(r.get("finish_reason").asText()), r.toString());
      assertTrue(r.get("logprob").asDouble() <= 0, r.toString());
    }
  }

  @Test
  void temperatureZeroIsGreedy() throws Exception {
    Path f = tmp.resolve("greedy.jsonl");
    assertEquals(0, sample("--prompt", "2+2=", "--n", "3", "--temperature", "0", "--out", f.toString()));
    List<JsonNode> rows = lines(f);
    assertEquals(3, rows.size());
    assertEquals(rows.get(0).get("response").asText(), rows.get(1).get("response").asText());
    assertEquals(rows.get(0).get("response").asText(), rows.get(2).get("response").asText());
  }

  @Test
  void theCheckpointsGenerationConfigGivesTheSamplingDefaults() throws Exception {
    Path gen = Path.of(checkpoint).resolve("generation_config.json");
    Path ref = tmp.resolve("gc-ref.jsonl");
    assertEquals(0, sample("--prompt", "7+7=", "--n", "4", "--seed", "3", "--temperature", "1", "--out", ref.toString()));
    try {
      Files.writeString(gen, "{\"do_sample\": false, \"temperature\": 0.7}");
      Path greedy = tmp.resolve("gc-greedy.jsonl");
      assertEquals(0, sample("--prompt", "7+7=", "--n", "3", "--out", greedy.toString()));
      assertEquals(1, lines(greedy).stream().map(r -> r.get("response").asText()).distinct().count(), "do_sample false");
      Path flag = tmp.resolve("gc-flag.jsonl");
      assertEquals(0, sample("--prompt", "7+7=", "--n", "4", "--seed", "3", "--temperature", "1", "--out", flag.toString()));
      assertEquals(Files.readString(ref), Files.readString(flag), "a flag wins over the file");
      Files.writeString(gen, "{\"temperature\": 0.5, \"top_k\": 2}");
      Path low = tmp.resolve("gc-low.jsonl");
      assertEquals(0, sample("--prompt", "7+7=", "--n", "4", "--seed", "3", "--out", low.toString()));
      assertFalse(Files.readString(low).equals(Files.readString(ref)), "the file's temperature and top_k were used");
    } finally {
      Files.deleteIfExists(gen);
    }
  }

  @Test
  void promptsFromAVerlFileAndFromStandardInput() throws Exception {
    ArithmeticTask task = Dataset.task(tiny);
    Path data = tmp.resolve("prompts.parquet");
    PromptWriter.writeParquet(data, List.of(task.prompt("test", 0), task.prompt("test", 1)));
    Path f = tmp.resolve("file.jsonl");
    assertEquals(0, sample("--data", data.toString(), "--out", f.toString()));
    List<JsonNode> rows = lines(f);
    // a verl row's id is its file and row number, as in a run
    assertEquals(List.of("prompts-000001", "prompts-000002"), rows.stream().map(r -> r.get("id").asText()).toList());
    assertEquals(task.prompt("test", 1).getMessages().get(0).getContent() + "\n", rows.get(1).get("prompt").asText());
    assertEquals("spro/arithmetic", rows.get(0).get("data_source").asText());

    InputStream stdin = System.in;
    try {
      System.setIn(new ByteArrayInputStream("5+5=\n\n{\"prompt\": [{\"role\": \"user\", \"content\": \"1+1=\"}]}\n"
          .getBytes(StandardCharsets.UTF_8)));
      Path g = tmp.resolve("stdin.jsonl");
      assertEquals(0, sample("--out", g.toString()));
      assertEquals(List.of("5+5=\n", "1+1=\n"), lines(g).stream().map(r -> r.get("prompt").asText()).toList());
      System.setIn(new ByteArrayInputStream("{\"prompt\": \"not a list\"}\n".getBytes(StandardCharsets.UTF_8)));
      StringWriter err = new StringWriter();
      int code = SproCli.commandLine().setErr(new PrintWriter(err, true)).execute("sample", "--checkpoint", checkpoint,
          "--config", config);
      assertEquals(SproCli.EXIT_BAD_CONFIG, code);
      assertTrue(err.toString().contains("standard input line 1") && err.toString().contains("'prompt' list"),
          err.toString());
    } finally {
      System.setIn(stdin);
    }
  }
}
