package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.pipelines.config.RunConfig;
import dev.spro.transforms.stages.RunLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flink's temporary files (the RPC system's jar, the mini cluster's BLOB store) live under the run
 * directory while it runs and are gone after it — on a normal exit, after SIGTERM, and after
 * {@code spro eval}, which has no run directory. Each child JVM gets its own {@code
 * java.io.tmpdir}, so anything left there is this run's leak.
 */
class TemporaryFilesTest {
  @TempDir Path tmp;

  @Test
  void nothingIsLeftAfterARunAnEvalOrASigterm() throws Exception {
    Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
    List<String> jvm = List.of("-Djava.io.tmpdir=" + javaTmp);
    RunConfig c = Runs.tiny();
    c.run.iterations = 1;
    Path runDir = tmp.resolve("run");
    Path log = tmp.resolve("train.log");
    assertEquals(0, Runs.waitFor(Runs.spro(log, jvm, "train", "--config", Runs.yaml(c, tmp), "--run-dir", runDir.toString()), log),
        Files.readString(log));
    assertFalse(Files.exists(runDir.resolve(RunLayout.FLINK_TMP)), "Flink's directory in the run is removed");
    assertEquals(List.of(), entries(javaTmp), "nothing in java.io.tmpdir after train");

    Path evalLog = tmp.resolve("eval.log");
    assertEquals(0, Runs.waitFor(Runs.spro(evalLog, jvm, "eval", "--checkpoint", RunLayout.checkpoint(runDir, 1).toString(),
        "--config", Runs.yaml(c, tmp), "--test-size", "16", "--samples", "0"), evalLog), Files.readString(evalLog));
    assertEquals(List.of(), entries(javaTmp), "nothing in java.io.tmpdir after eval");

    // SIGTERM in the middle of a longer run
    c.run.iterations = 30;
    Path longLog = tmp.resolve("long.log");
    Process p = Runs.spro(longLog, jvm, "resume", runDir.toString(), "--iterations", "30");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!Files.readString(longLog).contains("iter    2")) {
      assertTrue(p.isAlive() && System.nanoTime() < deadline, Files.readString(longLog));
      Thread.sleep(100);
    }
    assertTrue(Files.isDirectory(runDir.resolve(RunLayout.FLINK_TMP)), "while it runs, Flink's files are in the run");
    p.destroy(); // SIGTERM
    assertTrue(p.waitFor(1, TimeUnit.MINUTES), "the run stops on SIGTERM");
    assertFalse(Files.exists(runDir.resolve(RunLayout.FLINK_TMP)), "removed on SIGTERM");
    assertEquals(List.of(), entries(javaTmp), "nothing in java.io.tmpdir after SIGTERM");
  }

  private static List<String> entries(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
