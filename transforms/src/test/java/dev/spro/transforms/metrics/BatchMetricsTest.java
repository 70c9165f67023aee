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

  @Test
  void localisationScoresTheFirstWrongTokenAgainstTheRest() {
    // Values at the wrong token (index 2): lowest of all -> 1; highest -> 0; one tie, one higher,
    // one lower -> (0.5 + 1 + 0) / 3.
    assertEquals(1.0, BatchMetrics.blameAuroc(new double[] {0.1, 0.2, -1, 0.3}, 2, 4), 1e-12);
    assertEquals(0.0, BatchMetrics.blameAuroc(new double[] {0.1, 0.2, 1, 0.3}, 2, 4), 1e-12);
    assertEquals(0.5, BatchMetrics.blameAuroc(new double[] {0.5, 0.9, 0.5, 0.1, 7}, 2, 4), 1e-12);
    BatchMetrics m = new BatchMetrics()
        .addLocalisation(0, 2, new double[] {0.1, 0.2, -1, 0.3}, new double[] {-1, -1, -1, -1}, 4)
        .addLocalisation(0, 0, new double[] {1, 0, 0}, new double[] {-2, -1, -1}, 3)
        .addLocalisation(1, 1, new double[] {5, 5}, new double[] {5, 5}, 2) // a right response: skipped
        .addLocalisation(0, -1, new double[] {5, 5}, new double[] {5, 5}, 2) // no located error: skipped
        .addLocalisation(0, null, new double[] {5, 5}, new double[] {5, 5}, 2); // no step checker: skipped
    assertEquals((1.0 + 0.0) / 2, m.toMap().get(MetricNames.CREDIT_LOCALISATION_LOG_RATIO), 1e-12);
    assertEquals((0.5 + 1.0) / 2, m.toMap().get(MetricNames.CREDIT_LOCALISATION_ADVANTAGE), 1e-12);
    assertEquals(2.0, m.toMap().get(MetricNames.CREDIT_LOCALISED_RESPONSES));
    assertFalse(new BatchMetrics().addRechecks(null).toMap().containsKey(MetricNames.RESPONSE_RECHECKS_MEAN));
    assertEquals(1.5, new BatchMetrics().addRechecks(1).addRechecks(2).toMap().get(MetricNames.RESPONSE_RECHECKS_MEAN));
  }
}
