package dev.spro.tests;

import dev.spro.models.checkpoint.OptimizerFiles;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.Driver;
import dev.spro.transforms.stages.RunLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Helpers of the run tests: the tiny config, in-process runs, and runs in a child JVM (for crashes). */
final class Runs {
  private Runs() {}

  static Path repoFile(String relative) {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.exists(d.resolve(relative)) && Files.exists(d.resolve("pom.xml")) && Files.exists(d.resolve("tests"))) {
        return d.resolve(relative);
      }
    }
    throw new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath());
  }

  /** examples/tiny.yaml with the web UI on a free port. */
  static RunConfig tiny() {
    RunConfig c = RunConfig.load(repoFile("examples/tiny.yaml"));
    c.flink.restPort = 0;
    return c;
  }

  /** Runs in this JVM; returns what it printed. */
  static String train(RunConfig c, Path runDir) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      new Driver(c, runDir, null, out).run();
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  /** {@code spro ARGS} in a child JVM with this test's classpath; returns the process (output to {@code log}). */
  static Process spro(Path log, String... args) throws IOException {
    return spro(log, List.of(), args);
  }

  /** As {@link #spro(Path, String...)}, with extra JVM options (e.g. {@code -Djava.io.tmpdir=...}). */
  static Process spro(Path log, List<String> jvmOptions, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx3g", "-XX:+UseSerialGC", "-Dai.djl.offline=true"));
    cmd.addAll(jvmOptions);
    cmd.addAll(dev.spro.runners.cluster.JvmArgs.opens());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.spro.runners.SproCli"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2"); // as the launcher runs it
    return pb.start();
  }

  static int waitFor(Process p, Path log) throws Exception {
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("spro did not finish:\n" + Files.readString(log));
    }
    return p.exitValue();
  }

  /**
   * The bytes of the checkpoint that starts iteration {@code k}: its weights, and its optimizer
   * state (every {@code optimizer-*.safetensors}, one per slice, concatenated in name order).
   */
  static List<byte[]> checkpointBytes(Path runDir, int k) throws IOException {
    Path ckpt = RunLayout.checkpoint(runDir, k);
    ByteArrayOutputStream optimizer = new ByteArrayOutputStream();
    for (Path f : OptimizerFiles.of(ckpt)) {
      optimizer.write(Files.readAllBytes(f));
    }
    return List.of(Files.readAllBytes(ckpt.resolve("model.safetensors")), optimizer.toByteArray());
  }

  static String yaml(RunConfig c, Path dir) throws IOException {
    Path f = dir.resolve("config-" + System.nanoTime() + ".yaml");
    c.write(f);
    return f.toString();
  }
}
