package dev.spro.models.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * config.json as transformers writes it — 4.x with a top-level {@code rope_theta}, 5.x with it
 * only in {@code rope_parameters} — and what this decoder refuses by name instead of computing
 * something else than transformers would.
 */
class ModelConfigTest {
  @TempDir Path dir;

  private static final String BASE = """
      "model_type": "qwen2", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 50, "eos_token_id": 2""";

  private ModelConfig read(String extra) throws IOException {
    Path f = dir.resolve("config-" + System.nanoTime() + ".json");
    Files.writeString(f, "{" + BASE + (extra.isEmpty() ? "" : ", " + extra) + "}");
    return ModelConfig.read(f);
  }

  private String refused(String extra) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(extra));
    return e.getMessage();
  }

  @Test
  void theRopeBaseIsReadInBothFormats() throws IOException {
    assertEquals(1_000_000.0, read("\"rope_theta\": 1000000.0").ropeTheta());
    // transformers 5.x: only in rope_parameters (before: silently 10,000)
    assertEquals(1_000_000.0, read("\"rope_parameters\": {\"rope_theta\": 1000000.0, \"rope_type\": \"default\"}").ropeTheta());
    assertEquals(500_000.0, read("\"rope_theta\": 500000.0, \"rope_parameters\": {\"rope_theta\": 500000.0}").ropeTheta());
    assertEquals(10_000.0, read("").ropeTheta());
    assertTrue(refused("\"rope_theta\": 10000.0, \"rope_parameters\": {\"rope_theta\": 1000000.0}").contains("disagree"));
  }

  @Test
  void whatWouldChangeTheMathIsRefusedByName() throws IOException {
    assertTrue(refused("\"rope_parameters\": {\"rope_theta\": 500000.0, \"rope_type\": \"yarn\", \"factor\": 4.0}")
        .contains("rope_type 'yarn' is not supported (default, llama3)"));
    assertTrue(refused("\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}")
        .contains("rope_scaling.rope_type 'linear' is not supported"));
    assertTrue(refused("\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}")
        .contains("rope_scaling.low_freq_factor must be a number"));
    assertTrue(refused("\"partial_rotary_factor\": 0.5").contains("partial_rotary_factor 0.5 is not supported"));
    assertTrue(refused("\"hidden_act\": \"gelu\"").contains("hidden_act 'gelu' is not supported"));
    assertTrue(refused("\"use_sliding_window\": true, \"sliding_window\": 4096").contains("sliding-window attention"));
    assertTrue(refused("\"mlp_bias\": true").contains("mlp_bias"));
    assertTrue(refused("\"layer_types\": [\"full_attention\", \"sliding_attention\"]").contains("'sliding_attention' layers"));
    // what Qwen2.5 and Llama 3.2 checkpoints say is accepted
    read("\"hidden_act\": \"silu\", \"use_sliding_window\": false, \"sliding_window\": 32768, \"mlp_bias\": false,"
        + " \"layer_types\": [\"full_attention\", \"full_attention\"]");
  }

  private static final String LLAMA3 =
      "\"rope_type\": \"llama3\", \"factor\": 32.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
      + " \"original_max_position_embeddings\": 8192";

  /** Llama 3.1/3.2's RoPE scaling, as 4.x ({@code rope_scaling}) and 5.x ({@code rope_parameters}) write it. */
  @Test
  void llama3RopeScalingIsReadInBothFormatsAndWrittenBack() throws IOException {
    RopeScaling expected = RopeScaling.llama3(32, 1, 4, 8192);
    assertEquals(expected, read("\"rope_scaling\": {" + LLAMA3 + "}").ropeScaling());
    assertEquals(expected, read("\"rope_parameters\": {\"rope_theta\": 500000.0, " + LLAMA3 + "}").ropeScaling());
    // before transformers 4.43 the type was under "type"
    assertEquals(expected, read("\"rope_scaling\": {" + LLAMA3.replace("rope_type", "type") + "}").ropeScaling());
    assertEquals(RopeScaling.NONE, read("").ropeScaling());
    assertTrue(refused("\"rope_scaling\": {" + LLAMA3 + "}, \"rope_parameters\": {\"rope_type\": \"default\"}")
        .contains("disagree"));
    ModelConfig c = read("\"rope_scaling\": {" + LLAMA3 + "}");
    Path written = dir.resolve("written.json");
    c.write(written, "float32");
    assertEquals(c, ModelConfig.read(written));
  }

  /**
   * The scaled frequencies against the values transformers' {@code _compute_llama3_parameters}
   * gives for Llama 3.2 1B's config (theta 500,000, head_dim 64, factor 32, 1, 4, 8192): the
   * highest frequencies kept, the lowest divided by 32, one in the blended band.
   */
  @Test
  void llama3FrequenciesAreTransformers() {
    double[] plain = RopeScaling.NONE.inverseFrequencies(500_000, 64);
    double[] scaled = RopeScaling.llama3(32, 1, 4, 8192).inverseFrequencies(500_000, 64);
    assertEquals(32, scaled.length);
    assertEquals(1.0, scaled[0]);
    for (int i = 0; i < 32; i++) {
      double wavelength = 2 * Math.PI / plain[i];
      if (wavelength < 8192 / 4.0) {
        assertEquals(plain[i], scaled[i], 0, "kept " + i);
      } else if (wavelength > 8192) {
        assertEquals(plain[i] / 32, scaled[i], 0, "stretched " + i);
      }
    }
    // i = 14: wavelength 1,956.5 < 2,048, kept; i = 15 (2,948.3) and 16 (4,442.9) are in the band
    assertEquals(plain[14], scaled[14], 0);
    // transformers 5.18's llama3 rope init (in float32) gives these; ours, in double, within float32's relative rounding
    double[] transformers = {1.290548011e-3, 4.295567051e-4, 9.708286234e-5};
    for (int i = 0; i < transformers.length; i++) {
      assertEquals(transformers[i], scaled[15 + i], 3e-7 * transformers[i], "frequency " + (15 + i));
    }
  }

  @Test
  void qwen3HasPerHeadQkNormsAndItsOwnHeadDim() throws IOException {
    assertFalse(read("\"head_dim\": 16").qkNorm());
    Path f = dir.resolve("qwen3.json");
    Files.writeString(f, ("{" + BASE + ", \"head_dim\": 16, \"attention_bias\": false}").replace("\"qwen2\"", "\"qwen3\""));
    ModelConfig q = ModelConfig.read(f);
    assertTrue(q.qkNorm());
    assertFalse(q.attentionBias());
    assertEquals(16, q.headDim());
  }
}
