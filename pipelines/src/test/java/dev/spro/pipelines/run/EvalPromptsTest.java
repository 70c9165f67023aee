package dev.spro.pipelines.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.config.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test prompts of eval.files: every usable row, the unusable ones counted and named, never silently dropped. */
class EvalPromptsTest {
  static final String GOOD = "{\"data_source\": \"gsm8k\", \"prompt\": [{\"role\": \"user\", \"content\": \"1+1?\"}], "
      + "\"reward_model\": {\"style\": \"rule\", \"ground_truth\": \"2\"}}\n";
  @TempDir Path dir;

  @Test
  void unusableRowsAreCountedInANoteNamingTheFirst() throws IOException {
    Files.writeString(dir.resolve("test.jsonl"), GOOD + "{\"data_source\": \"gsm8k\", \"prompt\": []}\n" + GOOD);
    RunConfig c = RunConfig.parse("eval: {files: " + dir.resolve("*.jsonl") + ", testSize: 0}\n");
    assertEquals(2, Dataset.evalPrompts(c).size());
    assertTrue(c.notes.stream().anyMatch(n -> n.startsWith("1 rows of eval.files") && n.contains("test.jsonl:2 prompt")),
        c.notes.toString());
    c.eval.testSize = 1;
    assertEquals(1, Dataset.evalPrompts(c).size(), "at most testSize rows");
  }

  @Test
  void filesWithoutAUsableRowOrNoFileAreConfigErrors() throws IOException {
    Files.writeString(dir.resolve("bad.jsonl"), "not json\n");
    RunConfig c = RunConfig.parse("eval: {files: " + dir.resolve("bad.jsonl") + "}\n");
    ConfigException e = assertThrows(ConfigException.class, () -> Dataset.evalPrompts(c));
    assertTrue(e.getMessage().contains("has no usable row") && e.getMessage().contains("bad.jsonl:1"), e.getMessage());
    RunConfig none = RunConfig.parse("eval: {files: " + dir.resolve("nothing-*.parquet") + "}\n");
    e = assertThrows(ConfigException.class, () -> Dataset.evalPrompts(none));
    assertTrue(e.getMessage().contains("eval.files") && e.getMessage().contains("matches no file"), e.getMessage());
  }
}
