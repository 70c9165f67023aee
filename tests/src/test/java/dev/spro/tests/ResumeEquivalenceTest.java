package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.models.checkpoint.OptimizerFiles;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.transforms.stages.FaultInjection;
import dev.spro.transforms.stages.RunLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A run that crashes — at any stage of an iteration, or SIGKILLed while writing a checkpoint —
 * and is resumed ends with the same bytes as a run that never crashed. The crashing runs are
 * child JVMs of the real command line, killed for real.
 */
class ResumeEquivalenceTest {
  static final int ITERATIONS = 2;
  @TempDir static Path shared;
  static List<byte[]> reference;
  static String config;

  @BeforeAll
  static void uninterrupted() throws Exception {
    RunConfig c = Runs.tiny();
    c.run.iterations = ITERATIONS;
    config = Runs.yaml(c, shared);
    Runs.train(RunConfig.load(Path.of(config)), shared.resolve("reference"));
    reference = Runs.checkpointBytes(shared.resolve("reference"), ITERATIONS);
  }

  static void assertSameAsReference(Path run) throws Exception {
    List<byte[]> got = Runs.checkpointBytes(run, ITERATIONS);
    assertArrayEquals(reference.get(0), got.get(0), "model.safetensors differs from the uninterrupted run");
    assertArrayEquals(reference.get(1), got.get(1), "the optimizer state differs from the uninterrupted run");
    assertEquals(ITERATIONS, Files.readAllLines(run.resolve("metrics.jsonl")).size(), "one metrics line per iteration");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sample", "reward", "score", "advantage", "gradient", "checkpoint"})
  void crashAtEachStageThenResume(String stage) throws Exception {
    Path run = shared.resolve("crash-" + stage);
    Path log = shared.resolve("crash-" + stage + ".log");
    Process p = Runs.spro(log, "train", "--config", config, "--run-dir", run.toString(), "--fail-at", "1:" + stage);
    assertEquals(FaultInjection.EXIT_CODE, Runs.waitFor(p, log), Files.readString(log));
    assertFalse(Files.exists(RunLayout.checkpoint(run, 2)), "the crash happened before iteration 1 committed");
    if (!stage.equals("sample")) {
      assertTrue(Files.exists(RunLayout.stage(run, 1, RunLayout.ROLLOUTS).resolve(RunLayout.COMMITTED)),
          "stages before '" + stage + "' were committed, so resume does not resample");
    }
    Path resumeLog = shared.resolve("resume-" + stage + ".log");
    Process r = Runs.spro(resumeLog, "resume", run.toString());
    assertEquals(0, Runs.waitFor(r, resumeLog), Files.readString(resumeLog));
    assertTrue(Files.readString(resumeLog).contains("resuming after iteration 0"), Files.readString(resumeLog));
    assertSameAsReference(run);
  }

  /** SIGKILL while the checkpoint is half-written (weights and optimizer state in its temporary directory). */
  @Test
  void sigkillWhileWritingACheckpointResumesCleanly() throws Exception {
    Path run = shared.resolve("sigkill");
    Path log = shared.resolve("sigkill.log");
    Process p = Runs.spro(log, "train", "--config", config, "--run-dir", run.toString(), "--fail-at", "1:checkpoint:hang");
    Path half = RunLayout.iteration(run, 2).resolve("checkpoint.tmp");
    long deadline = System.currentTimeMillis() + 300_000;
    while (!(Files.isDirectory(half) && !OptimizerFiles.of(half).isEmpty()) && p.isAlive()
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(Files.isDirectory(half) && !OptimizerFiles.of(half).isEmpty(),
        "the run never reached the checkpoint write:\n" + Files.readString(log));
    Thread.sleep(500);
    p.destroyForcibly(); // SIGKILL
    p.waitFor();
    assertFalse(Files.exists(RunLayout.checkpoint(run, 2)), "a half-written checkpoint must not look committed");
    Process r = Runs.spro(shared.resolve("sigkill-resume.log"), "resume", run.toString());
    assertEquals(0, Runs.waitFor(r, shared.resolve("sigkill-resume.log")), Files.readString(shared.resolve("sigkill-resume.log")));
    assertFalse(Files.exists(RunLayout.iteration(run, 2).resolve("checkpoint.tmp")), "the temporary directory is cleaned");
    assertSameAsReference(run);
  }

  @Test
  void aResumeWithADifferentConfigIsRefusedButMoreIterationsAreFine() throws Exception {
    Path run = shared.resolve("reference");
    RunConfig changed = RunConfig.load(Path.of(config));
    changed.optimizer.lr = 0.5;
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Runs.train(changed, run));
    assertTrue(e.getMessage().contains("optimizer.lr"), e.getMessage());
    RunConfig more = RunConfig.load(Path.of(config));
    more.run.iterations = ITERATIONS; // a resume-safe key
    more.flink.parallelism = 2;
    assertTrue(Runs.train(more, run).contains("is complete"));
  }
}
