package dev.spro.pipelines.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * A run frozen by an earlier version (this `run.yaml` and `config.sha256` were written before
 * `flink.host`, `sampling.batchTokens` and `optimizer.microBatchTokens` existed) still has the
 * hash it recorded: `spro resume` checks `run.yaml` against it, so a new config key must not
 * change the hash of a run that does not use it.
 */
class FrozenConfigCompatibilityTest {
  @Test
  void aRunFrozenBeforeNewKeysKeepsItsHash() throws Exception {
    String yaml = resource("golden/run-2026-11-28.yaml");
    String recorded = resource("golden/run-2026-11-28.sha256").trim();
    assertEquals(recorded, RunConfig.parse(yaml, "golden run.yaml").hash());
  }

  private static String resource(String name) throws Exception {
    try (var in = Objects.requireNonNull(FrozenConfigCompatibilityTest.class.getClassLoader().getResourceAsStream(name), name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
