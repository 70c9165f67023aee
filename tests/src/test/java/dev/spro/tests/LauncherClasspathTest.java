package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.transforms.metrics.MetricNames;
import dev.spro.pipelines.run.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own verifier, compiled outside this build, reaches {@code ./spro} through {@code
 * SPRO_CLASSPATH}: the launcher script itself runs (the shaded jar, {@code java -cp}), for
 * {@code score} and for a training run whose rewards come from that verifier.
 */
class LauncherClasspathTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String VERIFIER = """
      package example;
      import dev.spro.transforms.reward.Verifier;
      /** Scores every response 1: a run with it has reward mean 1.0, which no real verifier gives. */
      public final class AlwaysRight implements Verifier {
        @Override
        public Result verify(String response, String groundTruth) {
          return new Result(1.0, "always right");
        }
      }
      """;

  @TempDir static Path dir;
  static Path classes;

  @BeforeAll
  static void compileTheUsersVerifier() throws IOException {
    Path src = dir.resolve("src/example/AlwaysRight.java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, VERIFIER);
    classes = Files.createDirectories(dir.resolve("user-classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc = javac.run(null, null, null, "-cp", System.getProperty("java.class.path"), "-d", classes.toString(), src.toString());
    assertEquals(0, rc, "javac");
  }

  static String launch(Path log, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("bash", Runs.repoFile("spro").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPRO_CLASSPATH", classes.toString());
    pb.environment().put("SPRO_NO_BUILD", "1");
    pb.environment().put("SPRO_JAVA_OPTS", "-Xmx2g");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("./spro did not finish:\n" + Files.readString(log));
    }
    String out = Files.readString(log);
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  void scoreUsesTheUsersVerifier() throws Exception {
    Path in = dir.resolve("rows.jsonl");
    Files.writeString(in, "{\"data_source\": \"my_quiz\", \"response\": \"no idea\", \"ground_truth\": \"paris\"}\n");
    Path out = dir.resolve("scored.jsonl");
    launch(dir.resolve("score.log"), "score", "--strict", "--verifier", "my_quiz=example.AlwaysRight",
        "--in", in.toString(), "--out", out.toString());
    JsonNode row = JSON.readTree(Files.readAllLines(out).get(0));
    assertEquals(1.0, row.get("score").asDouble());
    assertEquals("always right", row.get("extracted_answer").asText());
  }

  @Test
  void aTrainingRunRewardsThroughTheUsersVerifier() throws Exception {
    RunConfig c = Runs.tiny();
    c.run.iterations = 1;
    c.verifiers.custom.put("spro/arithmetic", "example.AlwaysRight");
    Path runDir = dir.resolve("run");
    launch(dir.resolve("train.log"), "train", "--config", Runs.yaml(c, dir), "--run-dir", runDir.toString());
    JsonNode line = JSON.readTree(Files.readAllLines(runDir.resolve(RunDirectory.METRICS)).get(0));
    assertEquals(1.0, line.get(MetricNames.SCORE_MEAN).asDouble(), line.toString());
  }
}
