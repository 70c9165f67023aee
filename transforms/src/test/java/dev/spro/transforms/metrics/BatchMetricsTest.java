package dev.spro.transforms.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchMetricsTest {
  static BatchMetrics part(int which) {
    BatchMetrics m = new BatchMetrics();
    if (which == 0) {
      m.addResponse(1.0, 10, 4, false).addAdvantages(new double[] {1, 1, 1, 1, 99}, 4)
          .addTokenStats(new float[] {-1, -1, -1, -1}, new float[] {-1, -1, -1, -1}, new float[] {1, 1, 1, 1}, 4);
    } else {
      m.addResponse(0.0, 12, 8, true).addAdvantages(new double[] {-0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5}, 8)
          .addTokenStats(new float[] {-1, -1, -1, -1, -1, -1, -1, -1}, new float[] {-2, -2, -2, -2, -2, -2, -2, -2},
              new float[] {2, 2, 2, 2, 2, 2, 2, 2}, 8);
    }
    return m;
  }

  @Test
  void byHandAndMergeOrderDoesNotMatter() {
    Map<String, Double> ab = part(0).merge(part(1)).toMap();
    Map<String, Double> ba = part(1).merge(part(0)).toMap();
    assertEquals(ab, ba);
    assertEquals(0.5, ab.get(MetricNames.SCORE_MEAN));
    assertEquals(6.0, ab.get(MetricNames.RESPONSE_LENGTH_MEAN));
    assertEquals(8.0, ab.get(MetricNames.RESPONSE_LENGTH_MAX));
    assertEquals(0.5, ab.get(MetricNames.RESPONSE_LENGTH_CLIP_RATIO));
    assertEquals(11.0, ab.get(MetricNames.PROMPT_LENGTH_MEAN));
    assertEquals((4 * 1 - 8 * 0.5) / 12, ab.get(MetricNames.ADVANTAGES_MEAN), 1e-12);
    assertEquals((4 * 1 + 8 * 2) / 12.0, ab.get(MetricNames.ACTOR_ENTROPY), 1e-12);
    assertEquals(8 * 1.0 / 12, ab.get(MetricNames.ACTOR_KL_REF_K1), 1e-12);
    assertEquals(8 * (Math.exp(-1) + 1 - 1) / 12, ab.get(MetricNames.ACTOR_KL_REF), 1e-6);
  }

  @Test
  void emptyGroupsAreLeftOut() {
    assertFalse(new BatchMetrics().toMap().containsKey(MetricNames.SCORE_MEAN));
  }
}
