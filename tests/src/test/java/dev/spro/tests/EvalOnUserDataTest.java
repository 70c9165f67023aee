package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.Dataset;
import dev.spro.schemas.Prompt;
import dev.spro.transforms.data.PromptWriter;
import dev.spro.transforms.stages.RunLayout;
import dev.spro.transforms.task.ArithmeticTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluation on a user's test files ({@code eval.files}, {@code spro eval --data}), per data
 * source with verl's metric names. The files hold the built-in task's test prompts twice: as
 * {@code spro/arithmetic} in one file and as {@code gsm8k} in another (a file row's id is its file
 * and row). Greedy answers do not depend on the id, so both sources, all prompts, and the built-in
 * task's own evaluation of the same checkpoint must agree exactly; the sampled pass's unbiased
 * pass@1 must equal its mean.
 */
class EvalOnUserDataTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int N = 12;
  @TempDir Path tmp;

  @Test
  void perDataSourceMetricsInTheRunAndFromSproEval() throws Exception {
    RunConfig c = WarmStartRunTest.warmTiny();
    c.run.iterations = 1;
    c.warmStart.steps = 200; // enough for a few right answers (1 of 12 greedy on 2026-12-05), so the checks below bite
    c.warmStart.examples = 2000;
    c.warmStart.batchSize = 32;
    c.warmStart.saveEvery = 100;
    c.warmStart.logEvery = 100;
    ArithmeticTask task = Dataset.task(c);
    List<Prompt> own = IntStream.range(0, N).mapToObj(i -> task.prompt("test", i)).toList();
    List<Prompt> copies = own.stream().map(p -> Prompt.newBuilder(p).setDataSource("gsm8k").build()).toList();
    Path data = Files.createDirectories(tmp.resolve("test-data"));
    PromptWriter.writeParquet(data.resolve("test-a.parquet"), own);
    PromptWriter.writeParquet(data.resolve("test-b.parquet"), copies);
    c.eval.files = data.resolve("test-*.parquet").toString();
    c.eval.testSize = 0;
    c.eval.every = 1;
    c.eval.samples = 4;
    Path run = tmp.resolve("run");
    String printed = Runs.train(c, run);
    assertTrue(printed.contains("mean@4"), printed);

    JsonNode last = null;
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      JsonNode m = JSON.readTree(line);
      if (!m.get("phase").asText().equals("eval")) {
        continue;
      }
      last = m;
      double greedy = m.get("val/accuracy").asDouble();
      for (String ds : List.of("spro/arithmetic", "gsm8k")) {
        assertEquals(greedy, m.get("val-core/" + ds + "/acc/mean@1").asDouble(), 0, m.toString());
        double mean = m.get("val-core/" + ds + "/acc/mean@4").asDouble();
        double pass4 = m.get("val-core/" + ds + "/acc/pass@4").asDouble();
        assertEquals(mean, m.get("val-aux/" + ds + "/acc/pass@1").asDouble(), 1e-12, "unbiased pass@1 is the mean");
        assertTrue(mean <= m.get("val-aux/" + ds + "/acc/pass@2").asDouble() + 1e-12
            && m.get("val-aux/" + ds + "/acc/pass@2").asDouble() <= pass4 + 1e-12, m.toString());
        assertTrue(m.get("val-aux/" + ds + "/response_length/mean@1").asDouble() > 0, m.toString());
      }
    }
    assertTrue(last != null && last.get("iteration").asInt() == 1, "iterations 0 and 1 evaluated");
    assertTrue(last.get("val/accuracy").asDouble() > 0, "precondition: the warm-started model answers some: " + last);

    // spro eval of the same checkpoint on the built-in task's first N test prompts: the same greedy accuracy
    RunConfig builtIn = WarmStartRunTest.warmTiny();
    Path log = tmp.resolve("eval.log");
    assertEquals(0, Runs.waitFor(Runs.spro(log, "eval", "--checkpoint", RunLayout.checkpoint(run, 1).toString(),
        "--config", Runs.yaml(builtIn, tmp), "--test-size", Integer.toString(N), "--json"), log), Files.readString(log));
    JsonNode out = lastJsonObject(Files.readString(log));
    assertEquals(N, out.get("test_prompts").asInt());
    assertEquals(last.get("val/accuracy").asDouble(), out.get("val-core/spro/arithmetic/acc/mean@1").asDouble(), 0,
        out.toString());

    // spro eval --data: the table, one row per data source and one for all
    Path table = tmp.resolve("table.log");
    assertEquals(0, Runs.waitFor(Runs.spro(table, "eval", "--checkpoint", RunLayout.checkpoint(run, 1).toString(),
        "--config", Runs.yaml(builtIn, tmp), "--data", c.eval.files, "--test-size", "0", "--samples", "2"), table),
        Files.readString(table));
    String t = Files.readString(table);
    assertTrue(t.contains("mean@2") && t.contains("pass@2"), t);
    for (String row : List.of("gsm8k ", "spro/arithmetic ", "all ")) {
      assertTrue(t.lines().anyMatch(l -> l.startsWith(row) && l.contains(" " + N + " ") || l.startsWith(row)
          && l.contains(" " + 2 * N + " ")), row + " in\n" + t);
    }
  }

  /** The JSON object spro eval printed (the last lines of the log that start with '{'). */
  private static JsonNode lastJsonObject(String log) throws Exception {
    int at = log.lastIndexOf("\n{");
    return JSON.readTree(log.substring(at < 0 ? log.indexOf('{') : at + 1));
  }
}
