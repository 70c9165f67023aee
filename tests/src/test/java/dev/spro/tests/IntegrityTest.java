package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.RunDirectory;
import dev.spro.runners.SproCli;
import dev.spro.transforms.stages.RunLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every committed byte is checked before it is used: a checkpoint against its manifest (once per
 * JVM), a stage's files against its commit marker (and nothing else in the directory is read),
 * metrics.jsonl line by line; and a run recomputes from a good iteration with {@code resume
 * --from-iteration}, to the same bytes.
 */
class IntegrityTest {
  @TempDir static Path tmp;
  static Path reference;

  /** A finished 2-iteration tiny run, copied for each case. */
  @BeforeAll
  static void referenceRun() throws Exception {
    reference = tmp.resolve("reference");
    Runs.train(tiny(2), reference);
  }

  static RunConfig tiny(int iterations) {
    RunConfig c = Runs.tiny();
    c.run.iterations = iterations;
    return c;
  }

  static Path copyOfReference(String name) throws IOException {
    Path to = tmp.resolve(name);
    try (Stream<Path> s = Files.walk(reference)) {
      for (Path p : s.toList()) {
        Path q = to.resolve(reference.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q);
        }
      }
    }
    return to;
  }

  static void flipAByte(Path file) throws IOException {
    byte[] b = Files.readAllBytes(file);
    b[b.length - 7] ^= 0x01; // a low mantissa bit of the last tensor: finite, plausible, wrong
    Files.write(file, b);
  }

  @Test
  void aFlippedBitInACheckpointStopsTheResumeAndFromIterationRecomputesTheSameBytes() throws Exception {
    Path run = copyOfReference("flipped");
    Path weights = RunLayout.checkpoint(run, 2).resolve(ModelCheckpoint.WEIGHTS);
    byte[] good = Files.readAllBytes(weights);
    flipAByte(weights);

    Exception e = assertThrows(Exception.class, () -> Runs.train(tiny(3), run));
    assertTrue(e.getMessage().contains("checkpoint " + RunLayout.checkpoint(run, 2) + " is corrupt: model.safetensors has sha256"),
        e.getMessage());
    assertTrue(e.getMessage().contains("--from-iteration"), e.getMessage());
    assertFalse(Files.exists(RunLayout.checkpoint(run, 3)), "nothing was trained on it");
    assertFalse(e.getMessage().contains("Pipeline execution failed") || e.getMessage().contains("stage sample"),
        "found before the iteration's job starts: " + e.getMessage());

    StringWriter err = new StringWriter();
    int eval = SproCli.commandLine().setErr(new PrintWriter(err, true)).execute("eval", "--checkpoint",
        RunLayout.checkpoint(run, 2).toString(), "--config", Runs.yaml(tiny(2), tmp), "--test-size", "8", "--samples", "0");
    assertEquals(1, eval);
    assertTrue(err.toString().contains("is corrupt: model.safetensors"), err.toString());

    StringWriter err2 = new StringWriter();
    int code = SproCli.commandLine().setErr(new PrintWriter(err2, true))
        .execute("resume", run.toString(), "--from-iteration", "1", "--iterations", "2");
    assertEquals(0, code, err2.toString());
    assertArrayEquals(good, Files.readAllBytes(weights), "iteration 1 recomputed gives checkpoint 2's original bytes");
    assertEquals(2, RunDirectory.metricRows(run).stream().filter(r -> r.get("phase").asText().equals("train")).count());
    try (Stream<Path> aside = Files.list(run.resolve(RunDirectory.DISCARDED))) {
      Path moved = aside.findFirst().orElseThrow();
      assertTrue(Files.exists(moved.resolve("iter-000002/checkpoint/model.safetensors")), "the corrupt checkpoint is kept aside");
      assertTrue(Files.exists(moved.resolve("iter-000001/rollouts")), "iteration 1's stages are kept aside");
      assertEquals(1, Files.readAllLines(moved.resolve(RunDirectory.METRICS)).size(), "with iteration 1's metrics line");
    }
  }

  @Test
  void aStageReadsOnlyTheFilesItsMarkerListsAndRefusesAnEditedOne() throws Exception {
    Path run = copyOfReference("stray");
    byte[] expected = Files.readAllBytes(RunLayout.checkpoint(run, 2).resolve(ModelCheckpoint.WEIGHTS));
    // resume iteration 1 from its committed examples: the gradient step reads them back
    deleteCheckpoint(run, 2);
    Path examples = RunLayout.stage(run, 1, RunLayout.EXAMPLES);
    Path part = firstPart(examples);
    Files.copy(part, examples.resolve(part.getFileName().toString().replace(".avro", "-copy.avro")));
    Runs.train(tiny(2), run);
    assertArrayEquals(expected, Files.readAllBytes(RunLayout.checkpoint(run, 2).resolve(ModelCheckpoint.WEIGHTS)),
        "the stray copy was not read");

    Path edited = copyOfReference("edited");
    deleteCheckpoint(edited, 2);
    Path examples2 = RunLayout.stage(edited, 1, RunLayout.EXAMPLES);
    Path part2 = firstPart(examples2);
    flipAByte(part2);
    Exception e = assertThrows(Exception.class, () -> Runs.train(tiny(2), edited));
    assertTrue(e.getMessage().contains("committed stage " + examples2 + ": " + part2.getFileName() + " has sha256"), e.getMessage());
  }

  @Test
  void committedStagesAreReadByNameInADirectoryWithPatternCharacters() throws Exception {
    Path run = copyOfReference("exp[1]*");
    byte[] expected = Files.readAllBytes(RunLayout.checkpoint(run, 2).resolve(ModelCheckpoint.WEIGHTS));
    deleteCheckpoint(run, 2); // iteration 1 resumes from its committed examples
    Runs.train(tiny(2), run);
    assertArrayEquals(expected, Files.readAllBytes(RunLayout.checkpoint(run, 2).resolve(ModelCheckpoint.WEIGHTS)));
  }

  @Test
  void aDamagedMetricsLineIsNamedAndRepairedOnResume() throws Exception {
    Path run = copyOfReference("metrics");
    Path metrics = run.resolve(RunDirectory.METRICS);
    List<String> lines = Files.readAllLines(metrics);
    String last = lines.get(lines.size() - 1);
    Files.writeString(metrics, String.join("\n", lines.subList(0, lines.size() - 1)) + "\n" + last.substring(0, last.length() / 2));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunDirectory.metricRows(run));
    assertTrue(e.getMessage().startsWith(metrics + ":" + lines.size() + ": not a JSON object"), e.getMessage());

    Runs.train(tiny(2), run); // complete: only the repair runs
    assertEquals(Files.readAllLines(reference.resolve(RunDirectory.METRICS)).size(), RunDirectory.metricRows(run).size());
    assertTrue(Files.exists(run.resolve(RunDirectory.METRICS + ".damaged")), "the damaged line is kept aside");
  }

  @Test
  void aCheckpointIsHashedOncePerJvmNotOncePerStage() throws Exception {
    Path run = copyOfReference("once");
    long before = CheckpointIntegrity.hashedBytes();
    Runs.train(tiny(3), run); // one more iteration: loads checkpoint 2 (sampling, scoring, gradient) and 0 (reference)
    long hashed = CheckpointIntegrity.hashedBytes() - before;
    long checkpointBytes = sizeOf(RunLayout.checkpoint(run, 2)) + sizeOf(RunLayout.checkpoint(run, 0));
    assertTrue(hashed > 0, "the checkpoints were verified");
    assertTrue(hashed <= checkpointBytes, "hashed " + hashed + " bytes; each checkpoint once is " + checkpointBytes);
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      long sum = 0;
      for (Path p : s.toList()) {
        sum += Files.size(p);
      }
      return sum;
    }
  }

  private static void deleteCheckpoint(Path run, int k) throws IOException {
    dev.spro.models.io.AtomicFiles.deleteRecursively(RunLayout.checkpoint(run, k));
    Files.deleteIfExists(run.resolve(RunDirectory.METRICS)); // rebuilt by the repair
  }

  private static Path firstPart(Path stage) throws IOException {
    try (Stream<Path> s = Files.list(stage)) {
      return s.filter(p -> p.toString().endsWith(".avro")).sorted().findFirst().orElseThrow();
    }
  }
}
