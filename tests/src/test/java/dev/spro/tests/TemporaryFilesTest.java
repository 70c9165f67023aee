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
 * Flink's temporary files (the RPC system's jar, the mini cluster's BLOB store, the web UI's
 * upload directory) live in one directory of the process while it runs and are gone after it —
 * on a normal exit, after {@code spro eval}, after SIGTERM — and a SIGKILLed run's are removed by
 * the next one. Each child JVM gets its own {@code java.io.tmpdir}, so anything left there is a
 * leak.
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
    List<String> whileRunning = flinkEntries(javaTmp);
    assertEquals(1, whileRunning.size(), "while it runs, one directory of Flink's: " + whileRunning);
    assertTrue(whileRunning.get(0).startsWith("spro-flink-" + p.pid() + "-"), whileRunning.toString());
    p.destroy(); // SIGTERM
    assertTrue(p.waitFor(1, TimeUnit.MINUTES), "the run stops on SIGTERM");
    assertEquals(List.of(), entries(javaTmp), "nothing in java.io.tmpdir after SIGTERM");

    // SIGKILL leaves its directory; the next run removes it
    Process killed = Runs.spro(longLog, jvm, "resume", runDir.toString(), "--iterations", "30");
    while (flinkEntries(javaTmp).isEmpty() || !Files.readString(longLog).contains("Flink web UI")) {
      assertTrue(killed.isAlive() && System.nanoTime() < deadline + TimeUnit.MINUTES.toNanos(2), Files.readString(longLog));
      Thread.sleep(100);
    }
    killed.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    assertEquals(1, flinkEntries(javaTmp).size(), "a SIGKILLed run cannot clean up");
    Path last = tmp.resolve("last.log");
    assertEquals(0, Runs.waitFor(Runs.spro(last, jvm, "eval", "--checkpoint", RunLayout.checkpoint(runDir, 1).toString(),
        "--config", Runs.yaml(Runs.tiny(), tmp), "--test-size", "8", "--samples", "0"), last), Files.readString(last));
    // (the compression libraries' native copies of the killed JVM stay: theirs, not Flink's)
    assertEquals(List.of(), flinkEntries(javaTmp), "the next process removed the dead one's directory");
  }

  /** What Flink leaves when nobody cleans up: RPC jars, mini cluster and BLOB directories, ours. */
  private static List<String> flinkEntries(Path dir) throws Exception {
    return entries(dir).stream().filter(n -> n.contains("flink") || n.contains("minicluster") || n.contains("blob")).toList();
  }

  private static List<String> entries(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
