package dev.spro.models.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    assertTrue(refused("\"rope_parameters\": {\"rope_theta\": 500000.0, \"rope_type\": \"llama3\"}")
        .contains("rope_type 'llama3' is not supported"));
    assertTrue(refused("\"hidden_act\": \"gelu\"").contains("hidden_act 'gelu' is not supported"));
    assertTrue(refused("\"use_sliding_window\": true, \"sliding_window\": 4096").contains("sliding-window attention"));
    assertTrue(refused("\"mlp_bias\": true").contains("mlp_bias"));
    // what Qwen2.5 and Llama 3.2 checkpoints say is accepted
    read("\"hidden_act\": \"silu\", \"use_sliding_window\": false, \"sliding_window\": 32768, \"mlp_bias\": false");
  }
}
