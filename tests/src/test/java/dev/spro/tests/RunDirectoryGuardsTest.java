package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.RunDirectory;
import dev.spro.pipelines.run.RunLock;
import dev.spro.runners.SproCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per run directory, and a run that resumes only with the settings it started with:
 * a second {@code spro train} on a directory in use stops at once naming the holder, a lock left
 * by a killed process is taken over, and a hand-edited {@code run.yaml} is refused.
 */
class RunDirectoryGuardsTest {
  @TempDir Path tmp;

  @Test
  void aSecondWriterStopsAndAKilledHoldersLockIsTakenOver() throws Exception {
    RunConfig c = Runs.tiny();
    Path runDir = tmp.resolve("run");
    Path log = tmp.resolve("first.log");
    Process first = Runs.spro(log, "train", "--config", Runs.yaml(c, tmp), "--run-dir", runDir.toString());
    awaitHolder(runDir, first, log);

    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> Runs.train(Runs.tiny(), runDir));
    assertTrue(refused.getMessage().contains("is in use by another spro process (pid " + first.pid() + " on "),
        refused.getMessage());
    assertEquals(0, Runs.waitFor(first, log), Files.readString(log));
    assertEquals(c.run.iterations, RunDirectory.metricRows(runDir).size(), "one metrics line per iteration, no duplicates");
    assertEquals("", Files.readString(runDir.resolve(RunLock.FILE)), "a finished run leaves the lock free");

    // A resume to more iterations, killed while it holds the lock: the next resume takes it over.
    Path log2 = tmp.resolve("second.log");
    Process killed = Runs.spro(log2, "resume", runDir.toString(), "--iterations", "5");
    awaitHolder(runDir, killed, log2);
    killed.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    RunConfig more = Runs.tiny();
    more.run.iterations = 5;
    String printed = Runs.train(more, runDir);
    assertTrue(printed.contains("took over the lock of " + runDir + " from a process that is no longer running (pid "
        + killed.pid()), printed);
    assertEquals(5, RunDirectory.metricRows(runDir).size());
  }

  @Test
  void aHandEditedRunYamlIsRefusedOnResume() throws Exception {
    RunConfig c = Runs.tiny();
    c.run.iterations = 1;
    Path runDir = tmp.resolve("run");
    Runs.train(c, runDir);
    Path yaml = runDir.resolve(RunDirectory.CONFIG);
    String edited = Files.readString(yaml).replace("lr: 0.001", "lr: 0.5");
    assertTrue(!edited.equals(Files.readString(yaml)), "the test edits the learning rate");
    Files.writeString(yaml, edited);
    byte[] hashBefore = Files.readAllBytes(runDir.resolve(RunDirectory.CONFIG_HASH));

    StringWriter err = new StringWriter();
    int code = SproCli.commandLine().setErr(new PrintWriter(err, true))
        .execute("resume", runDir.toString(), "--iterations", "2");
    assertEquals(2, code, err.toString());
    assertTrue(err.toString().contains(yaml + ": does not match the config this run started with"), err.toString());
    assertTrue(err.toString().contains("config.sha256 records"), err.toString());
    assertEquals(new String(hashBefore), Files.readString(runDir.resolve(RunDirectory.CONFIG_HASH)), "nothing is rewritten");
    assertTrue(!Files.exists(runDir.resolve("iter-000002")), "nothing was trained");
  }

  /** Waits until {@code p} has written itself into the run directory's lock file. */
  private static void awaitHolder(Path runDir, Process p, Path log) throws Exception {
    Path lock = runDir.resolve(RunLock.FILE);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!(Files.exists(lock) && Files.readString(lock).contains("pid " + p.pid()))) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("the run never held the lock:\n" + Files.readString(log));
      }
      Thread.sleep(50);
    }
  }
}
