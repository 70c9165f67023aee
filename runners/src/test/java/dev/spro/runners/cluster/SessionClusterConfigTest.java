package dev.spro.runners.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where a session cluster puts a job's shards: with a GPU per TaskManager, on different
 * TaskManagers (Flink would fill the first one's slots, leaving the other GPUs idle); without
 * GPUs, Flink's default, which on one machine measured faster (bench/results/overhead.md).
 */
class SessionClusterConfigTest {
  static Map<String, String> config(List<Integer> gpus) {
    var s = new SessionCluster.Settings(2, 2, "2g", "1024m", "localhost", 8081, gpus, true, 0);
    return SessionCluster.config(s, Path.of("/tmp/cluster"), null);
  }

  @Test
  void withAGpuPerTaskManagerTheShardsAreSpread() {
    assertEquals("true", config(List.of(0, 1)).get("cluster.evenly-spread-out-slots"));
  }

  @Test
  void withoutGpusFlinksDefaultPlacementStays() {
    assertFalse(config(List.of()).containsKey("cluster.evenly-spread-out-slots"));
  }
}
