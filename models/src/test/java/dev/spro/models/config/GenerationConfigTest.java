package dev.spro.models.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** generation_config.json as Qwen2.5-Instruct ships it, and what is refused. */
class GenerationConfigTest {
  @TempDir Path dir;

  @Test
  void readsStopIdsAndSamplingDefaults() throws IOException {
    Files.writeString(dir.resolve(GenerationConfig.FILE), """
        {"bos_token_id": 151643, "do_sample": true, "eos_token_id": [151645, 151643], "pad_token_id": 151643,
         "repetition_penalty": 1.05, "temperature": 0.7, "top_p": 0.8, "top_k": 20, "transformers_version": "4.37.0"}""");
    GenerationConfig g = GenerationConfig.read(dir);
    assertEquals(List.of(151645, 151643), g.eosTokenIds());
    assertEquals(true, g.doSample());
    assertEquals(0.7, g.temperature());
    assertEquals(20, g.topK());
    assertEquals(0.8, g.topP());
    assertTrue(g.hasSamplingDefaults());
  }

  @Test
  void noFileNoDefaults() {
    GenerationConfig g = GenerationConfig.read(dir);
    assertEquals(List.of(), g.eosTokenIds());
    assertNull(g.temperature());
    assertFalse(g.hasSamplingDefaults());
  }

  @Test
  void aBadValueIsRefusedNamingTheFileAndKey() throws IOException {
    Files.writeString(dir.resolve(GenerationConfig.FILE), "{\"top_p\": 1.5}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GenerationConfig.read(dir));
    assertTrue(e.getMessage().contains(GenerationConfig.FILE) && e.getMessage().contains("top_p"), e.getMessage());
    Files.writeString(dir.resolve(GenerationConfig.FILE), "{\"do_sample\": \"yes\"}");
    e = assertThrows(IllegalArgumentException.class, () -> GenerationConfig.read(dir));
    assertTrue(e.getMessage().contains("do_sample"), e.getMessage());
  }
}
