package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.engine.DjlRuntime;
import dev.spro.models.nn.Transformer;
import dev.spro.models.tokenizer.CharTokenizer;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.StageFailure;
import dev.spro.transforms.task.ArithmeticTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that fails says why: the root cause's message, the iteration and stage, and where the
 * full trace is — never only "Pipeline execution failed". Real failures: a user's verifier that
 * throws inside a Flink task, a full disk (a real tmpfs), a truncated checkpoint, a NaN weight.
 */
class RunFailureTest {
  @TempDir Path tmp;

  static RunConfig tinyOnFlink() {
    RunConfig c = Runs.tiny();
    c.run.iterations = 1;
    c.flink.master = "embedded";
    return c;
  }

  @Test
  void aStageErrorNamesItsRootCauseStageAndTraceFile() throws Exception {
    RunConfig c = tinyOnFlink();
    c.verifiers.custom.put("spro/arithmetic", ExplodingVerifier.class.getName());
    Path run = tmp.resolve("run");
    StageFailure e = assertThrows(StageFailure.class, () -> Runs.train(c, run));
    String m = e.getMessage();
    assertTrue(m.startsWith("iteration 0, stage reward failed: " + ExplodingVerifier.MESSAGE), m);
    assertFalse(m.contains("Pipeline execution failed"), m);
    Path trace = run.resolve("logs/tiny-iter-000000.log");
    assertTrue(m.contains("full trace: " + trace), m);
    assertTrue(Files.readString(trace).contains("ExplodingVerifier.verify"), "the trace file has the whole stack");
  }

  @Test
  void aFullDiskIsNamed() throws Exception {
    Path mount = tmp.resolve("small-disk");
    Files.createDirectories(mount);
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", mount.toString())
        .redirectErrorStream(true).start();
    boolean mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    Assumptions.assumeTrue(mounted, "needs root to mount a tmpfs: " + new String(p.getInputStream().readAllBytes()));
    try {
      RunConfig c = tinyOnFlink();
      Exception e = assertThrows(Exception.class, () -> Runs.train(c, mount.resolve("run")));
      assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
      assertFalse(e.getMessage().contains("Pipeline execution failed"), e.getMessage());
    } finally {
      new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** A small model of the built-in task's vocabulary, saved as a Hugging Face directory. */
  static Path savedModel(Path dir) {
    DjlRuntime.init();
    CharTokenizer tokenizer = new CharTokenizer(ArithmeticTask.ALPHABET);
    ModelConfig mc = ModelConfig.builder().vocabSize(tokenizer.vocabSize()).hiddenSize(32).intermediateSize(64).layers(1)
        .heads(4).kvHeads(2).maxPositions(64).eosTokenId(tokenizer.eosId()).build();
    try (NDManager m = Engine.getInstance().newBaseManager();
        Transformer t = Transformer.initialize(mc, 3, m, DataType.FLOAT32)) {
      ModelCheckpoint.save(t, dir);
    }
    return dir;
  }

  @Test
  void aTruncatedCheckpointIsNamed() throws Exception {
    Path model = savedModel(tmp.resolve("model"));
    Path weights = model.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    RunConfig c = tinyOnFlink();
    c.model.checkpoint = model.toString();
    Exception e = assertThrows(Exception.class, () -> Runs.train(c, tmp.resolve("run")));
    assertTrue(e.getMessage().contains(weights.toString()), e.getMessage());
    assertFalse(e.getMessage().contains("Pipeline execution failed"), e.getMessage());
  }

  @Test
  void aNanWeightIsNamed() throws Exception {
    Path model = savedModel(tmp.resolve("model"));
    Path weights = model.resolve("model.safetensors");
    List<SafeTensors.Tensor> tensors = new ArrayList<>(SafeTensors.read(weights).tensors().values());
    SafeTensors.Tensor first = tensors.get(0);
    first.values()[first.values().length / 2] = Float.NaN;
    SafeTensors.write(weights, tensors, Map.of("format", "pt"));
    RunConfig c = tinyOnFlink();
    c.model.checkpoint = model.toString();
    Exception e = assertThrows(Exception.class, () -> Runs.train(c, tmp.resolve("run")));
    assertTrue(e.getMessage().contains(weights + ": tensor " + first.name() + " has 1 non-finite values"), e.getMessage());
  }
}
