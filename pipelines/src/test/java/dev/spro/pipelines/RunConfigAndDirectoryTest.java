package dev.spro.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.RunDirectory;
import dev.spro.transforms.stages.RunLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunConfigAndDirectoryTest {
  @TempDir Path tmp;

  @Test
  void unknownKeysAndBadValuesAreNamed() throws Exception {
    Path f = tmp.resolve("c.yaml");
    Files.writeString(f, "optimizer:\n  lrr: 0.1\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f));
    assertTrue(e.getMessage().contains("unknown key 'lrr'") && e.getMessage().contains(f.toString()), e.getMessage());
    Files.writeString(f, "algorithm:\n  name: ppo\n");
    e = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f));
    assertTrue(e.getMessage().contains("algorithm.name = ppo"), e.getMessage());
    Files.writeString(f, "optimizer:\n  lr: 0.5\n");
    assertEquals(0.5, RunConfig.load(f).optimizer.lr);
    assertEquals(32, RunConfig.load(f).sampling.maxNewTokens, "unnamed keys keep their defaults");
  }

  @Test
  void theOracleIsRefusedWhereNoStepCheckerCanLocateErrors() throws Exception {
    Path f = tmp.resolve("oracle.yaml");
    Files.writeString(f, "algorithm: {name: oracle}\n");
    assertEquals("oracle", RunConfig.load(f).algorithm.name, "the built-in task with the character tokenizer has one");
    Files.writeString(f, "algorithm: {name: oracle}\ndata: {task: null, files: data/*.parquet}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f));
    assertTrue(e.getMessage().contains("algorithm.name = oracle") && e.getMessage().contains("step checker")
        && e.getMessage().contains("data.task null"), e.getMessage());
  }

  @Test
  void theHashIgnoresOnlyResumeSafeKeysAndSurvivesARoundTrip() {
    RunConfig a = new RunConfig();
    RunConfig b = new RunConfig();
    b.run.iterations = 99;
    b.flink.restPort = 1234;
    b.retention.keepLast = 3;
    assertEquals(a.hash(), b.hash());
    b.run.seed = 2;
    assertNotEquals(a.hash(), b.hash());
    assertEquals(a.hash(), RunConfig.parse(a.toYaml()).hash());
    assertEquals(List.of("run.seed (1 -> 2)"), RunConfig.differences(a, b).stream().filter(d -> d.startsWith("run.seed")).toList());
    RunConfig c = new RunConfig();
    c.data.arithmetic.additionShare = 0.8;
    assertNotEquals(a.hash(), c.hash(), "a key added later is hashed once it differs from what earlier runs had");
  }

  @Test
  void trainingLinesWithSortedKeysAreReplacedToo() throws Exception {
    // the driver writes its lines with sorted keys: "iteration" and "phase" are not next to each other
    RunDirectory dir = RunDirectory.open(tmp.resolve("run"), new RunConfig());
    dir.putMetrics(0, "train", "{\"actor/loss\":1.0,\"iteration\":0,\"perf/x\":2,\"phase\":\"train\"}");
    dir.putMetrics(0, "train", "{\"actor/loss\":3.0,\"iteration\":0,\"perf/x\":2,\"phase\":\"train\"}");
    List<String> lines = Files.readAllLines(tmp.resolve("run/metrics.jsonl"));
    assertEquals(List.of("{\"actor/loss\":3.0,\"iteration\":0,\"perf/x\":2,\"phase\":\"train\"}"), lines);
    assertTrue(dir.hasMetrics(0, "train"));
    assertFalse(dir.hasMetrics(1, "train"));
  }

  @Test
  void metricsLinesAreReplacedNotDuplicated() throws Exception {
    RunDirectory dir = RunDirectory.open(tmp.resolve("run"), new RunConfig());
    dir.putMetrics(0, "train", "{\"iteration\":0,\"phase\":\"train\",\"x\":1}");
    dir.putMetrics(1, "train", "{\"iteration\":1,\"phase\":\"train\",\"x\":2}");
    dir.putMetrics(0, "train", "{\"iteration\":0,\"phase\":\"train\",\"x\":3}");
    List<String> lines = Files.readAllLines(tmp.resolve("run/metrics.jsonl"));
    assertEquals(2, lines.size());
    assertTrue(lines.contains("{\"iteration\":0,\"phase\":\"train\",\"x\":3}"));
  }

  @Test
  void retentionKeepsTheLastAndEveryMthAndIterationZero() throws Exception {
    RunDirectory dir = RunDirectory.open(tmp.resolve("run"), new RunConfig());
    for (int k = 0; k <= 10; k++) {
      Files.createDirectories(RunLayout.checkpoint(dir.path(), k));
    }
    dir.applyRetention(10, 2, 4);
    for (int k = 0; k <= 10; k++) {
      boolean kept = k == 0 || k >= 9 || k % 4 == 0;
      assertEquals(kept, Files.exists(RunLayout.checkpoint(dir.path(), k)), "checkpoint " + k);
    }
    assertEquals(10, dir.lastCheckpoint());
  }

  @Test
  void uncommittedLeftoversAreRemoved() throws Exception {
    RunDirectory dir = RunDirectory.open(tmp.resolve("run"), new RunConfig());
    Path rollouts = RunLayout.stage(dir.path(), 3, RunLayout.ROLLOUTS);
    Path scored = RunLayout.stage(dir.path(), 3, RunLayout.SCORED);
    Files.createDirectories(rollouts);
    Files.writeString(rollouts.resolve(RunLayout.COMMITTED), "");
    Files.createDirectories(scored);
    Files.writeString(scored.resolve("part-0.avro"), "half");
    Files.createDirectories(RunLayout.iteration(dir.path(), 4).resolve("checkpoint.tmp"));
    dir.cleanUncommitted(3);
    assertTrue(Files.exists(rollouts));
    assertFalse(Files.exists(scored));
    assertFalse(Files.exists(RunLayout.iteration(dir.path(), 4).resolve("checkpoint.tmp")));
  }
}
