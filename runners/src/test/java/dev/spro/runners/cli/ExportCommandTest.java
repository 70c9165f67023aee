package dev.spro.runners.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@code --max-shard-size} reads sizes as {@code save_pretrained}'s {@code max_shard_size} writes them. */
class ExportCommandTest {
  @Test
  void shardSizesReadAsSavePretrainedWritesThem() {
    assertEquals(5_000_000_000L, ExportCommand.bytes("5GB"));
    assertEquals(2L << 30, ExportCommand.bytes("2GiB"));
    assertEquals(500_000_000L, ExportCommand.bytes("500mb"));
    assertEquals(40_000L, ExportCommand.bytes("40KB"));
    assertEquals(123L, ExportCommand.bytes("123"));
  }
}
