package dev.spro.runners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.transforms.data.PromptFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `spro data gsm8k` on the real file and `spro score` on labelled rows, through the command line. */
class DataAndScoreCommandsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  static Path gsm8k(String file) {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path p = d.resolve("shared/data/gsm8k").resolve(file);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalStateException("shared/data/gsm8k/" + file + " not found");
  }

  @Test
  void convertsTheRealTestSet() {
    Path out = dir.resolve("out/test.parquet");
    int code = SproCli.commandLine().execute("data", "gsm8k", "--in", gsm8k("test.jsonl").toString(), "--out", out.toString());
    assertEquals(0, code);
    PromptFiles.Result r = PromptFiles.read(out);
    assertEquals(1319, r.prompts().size());
    assertEquals("openai/gsm8k", r.prompts().get(0).getDataSource());
  }

  @Test
  void scoresRowsAndKeepsBadOnes() throws Exception {
    Path in = dir.resolve("rows.jsonl");
    Files.write(in, List.of(
        "{\"data_source\": \"openai/gsm8k\", \"response\": \"3+4=7 #### 7\", \"ground_truth\": \"7\", \"id\": 1}",
        "{\"data_source\": \"openai/gsm8k\", \"response\": \"#### 8\", \"ground_truth\": \"7\"}",
        "{\"data_source\": \"HuggingFaceH4/MATH-500\", \"response\": \"so $\\\\boxed{\\\\dfrac{1}{2}}$\", \"ground_truth\": \"0.5\"}",
        "{\"data_source\": \"my_quiz\", \"response\": \" Paris \", \"ground_truth\": \"paris\"}",
        "{\"data_source\": \"openai/gsm8k\", \"ground_truth\": \"7\"}",
        "not json"));
    Path out = dir.resolve("scored.jsonl");
    int code = SproCli.commandLine().execute("score", "--in", in.toString(), "--out", out.toString());
    assertEquals(1, code, "rows with errors make the exit code 1");
    List<String> lines = Files.readAllLines(out);
    assertEquals(6, lines.size(), "every row is written back");
    JsonNode first = JSON.readTree(lines.get(0));
    assertEquals(1.0, first.get("score").asDouble());
    assertEquals("7", first.get("extracted_answer").asText());
    assertEquals(1, first.get("id").asInt(), "other fields are kept");
    assertEquals(0.0, JSON.readTree(lines.get(1)).get("score").asDouble());
    assertEquals(1.0, JSON.readTree(lines.get(2)).get("score").asDouble());
    assertEquals(1.0, JSON.readTree(lines.get(3)).get("score").asDouble(), "exact match fallback");
    assertTrue(JSON.readTree(lines.get(4)).get("error").asText().contains(":5: field 'response'"));
    assertTrue(JSON.readTree(lines.get(5)).get("error").asText().contains(":6: not JSON"));

    int strict = SproCli.commandLine().execute("score", "--strict", "--in", in.toString(), "--out", out.toString());
    assertEquals(1, strict);
    assertTrue(JSON.readTree(Files.readAllLines(out).get(3)).get("error").asText().contains("no verifier for data_source 'my_quiz'"));
  }
}
