package dev.spro.runners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.transforms.data.PromptFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
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

  /** Runs `spro score` and returns its exit code and what it printed on stderr. */
  static String[] score(String... args) {
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = SproCli.commandLine();
    cli.setErr(new PrintWriter(err, true));
    String[] full = new String[args.length + 1];
    full[0] = "score";
    System.arraycopy(args, 0, full, 1, args.length);
    return new String[] {String.valueOf(cli.execute(full)), err.toString()};
  }

  @Test
  void refusesToOverwriteItsInputAlsoThroughALink() throws Exception {
    Path in = dir.resolve("rows.jsonl");
    String rows = "{\"data_source\": \"openai/gsm8k\", \"response\": \"#### 7\", \"ground_truth\": \"7\"}\n";
    Files.writeString(in, rows);
    Path link = Files.createSymbolicLink(dir.resolve("link.jsonl"), in);
    for (Path out : List.of(in, link, dir.resolve(".").resolve("rows.jsonl"))) {
      String[] r = score("--in", in.toString(), "--out", out.toString());
      assertEquals("2", r[0], "--out " + out);
      assertTrue(r[1].contains("is the input"), r[1]);
      assertEquals(rows, Files.readString(in), "the input is untouched");
    }
  }

  @Test
  void invalidUtf8IsNamedByLineAndTheOldOutputSurvives() throws Exception {
    Path in = dir.resolve("rows.jsonl");
    byte[] good = "{\"data_source\": \"openai/gsm8k\", \"response\": \"#### 7\", \"ground_truth\": \"7\"}\n"
        .getBytes(StandardCharsets.UTF_8);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    bytes.write(good);
    bytes.write(good);
    bytes.write(new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'});
    Files.write(in, bytes.toByteArray());
    Path out = dir.resolve("scored.jsonl");
    Files.writeString(out, "yesterday's scores\n");
    String[] r = score("--in", in.toString(), "--out", out.toString());
    assertEquals("2", r[0]);
    assertTrue(r[1].contains(in + ":3") && r[1].contains("UTF-8"), r[1]);
    assertEquals("yesterday's scores\n", Files.readString(out), "nothing is written unless all of it is");
    try (var files = Files.list(dir)) {
      assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".tmp")).toList(), "no temporary file is left");
    }
  }
}
