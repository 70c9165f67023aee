package dev.spro.runners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.nn.Transformer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `spro init`: a Qwen2.5-shaped model (real vocabulary, smaller layers) as a Hugging Face directory that loads. */
class InitCommandTest {
  @TempDir Path tmp;

  @Test
  void writesAQwenShapedBf16ModelThatLoads() throws Exception {
    Path out = tmp.resolve("qwen-small");
    int code = SproCli.commandLine().execute("init", "--shape", "qwen2.5-0.5b", "--layers", "1", "--hidden", "64",
        "--intermediate", "128", "--heads", "4", "--kv-heads", "2", "--out", out.toString());
    assertEquals(0, code);
    JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
    assertEquals("qwen2", config.get("model_type").asText());
    assertEquals(151_936, config.get("vocab_size").asInt(), "the real vocabulary");
    assertEquals("bfloat16", config.get("torch_dtype").asText(), "the dtype written is the dtype stored");
    assertEquals(1_000_000, config.get("rope_theta").asDouble());
    SafeTensors.Contents header = SafeTensors.header(out.resolve("model.safetensors"));
    assertTrue(header.entries().values().stream().allMatch(e -> e.dtype() == SafeTensors.DType.BF16));
    ModelConfig mc = ModelConfig.read(out.resolve("config.json"));
    long stored = header.entries().values().stream().mapToLong(SafeTensors.Entry::elementCount).sum();
    assertEquals(mc.parameterCount(), stored, "every parameter of the shape is in the file");
    try (NDManager m = Engine.getInstance().newBaseManager();
        Transformer t = ModelCheckpoint.load(out, m, DataType.FLOAT32)) {
      assertEquals(151_936, t.config().vocabSize());
    }
  }

  @Test
  void anUnknownShapeListsTheKnownOnes() {
    StringWriter err = new StringWriter();
    int code = SproCli.commandLine().setErr(new PrintWriter(err, true))
        .execute("init", "--shape", "gpt-5", "--out", tmp.resolve("x").toString());
    assertEquals(1, code);
    assertTrue(err.toString().contains("unknown shape 'gpt-5'; known: qwen2.5-0.5b, qwen2.5-1.5b"), err.toString());
  }
}
