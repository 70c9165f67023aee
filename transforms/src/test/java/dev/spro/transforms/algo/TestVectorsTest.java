package dev.spro.transforms.algo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The test vector of docs/algorithms.md §6 (G = 3, lengths 2, 3, 4, beta 0.5, rewards [1, 0, 0]), to
 * 1e-5. Intermediate values are derived again here by hand-written arithmetic, so a wrong number
 * on the page would show as a disagreement between the two.
 */
class TestVectorsTest {
  static final double TOL = 1e-5;
  static final double[][] LOG_RATIOS = {{0.4, -0.2}, {0.2, 0.6, -0.4}, {-0.2, 0.4, 0.6, 0.6}};
  static final double[] REWARDS = {1, 0, 0};
  static final AdvantageConfig CONFIG = AdvantageConfig.builder().beta(0.5).build();

  static ResponseGroup group() {
    return ResponseGroup.of(LOG_RATIOS, REWARDS);
  }

  static void assertRows(double[][] expected, double[][] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertArrayEquals(expected[i], actual[i], TOL, "response " + i);
    }
  }

  @Test
  void cprMatchesThePageAndOurOwnArithmetic() {
    double[][] page = {{0.2, 0.1}, {0.1, 0.4, 0.2}, {-0.1, 0.1, 0.4, 0.7}};
    double[][] derived = {
      {0.5 * 0.4, 0.5 * (0.4 - 0.2)},
      {0.5 * 0.2, 0.5 * (0.2 + 0.6), 0.5 * (0.2 + 0.6 - 0.4)},
      {0.5 * -0.2, 0.5 * (-0.2 + 0.4), 0.5 * (-0.2 + 0.4 + 0.6), 0.5 * (-0.2 + 0.4 + 0.6 + 0.6)}
    };
    assertRows(derived, page);
    assertRows(page, SproAdvantage.cumulativeProcessRewards(group(), 0.5));
  }

  @Test
  void msaDefaults() {
    // Masked means b = [0.0666667, 0.2, 0.3, 0.7] with alive counts 3, 3, 2, 1.
    double b0 = (0.2 + 0.1 - 0.1) / 3, b1 = (0.1 + 0.4 + 0.1) / 3, b2 = (0.2 + 0.4) / 2;
    double[][] derived = {{0.2 - b0, 0.1 - b1}, {0.1 - b0, 0.4 - b1, 0.2 - b2}, {-0.1 - b0, 0.1 - b1, 0.4 - b2, 0.0}};
    double[][] page = {{0.1333333, -0.1}, {0.0333333, 0.2, -0.1}, {-0.1666667, -0.1, 0.1, 0.0}};
    assertRows(derived, page);
    assertRows(page, SproAdvantage.maskedStepAdvantage(group(), CONFIG));
  }

  @Test
  void outcomeAdvantage() {
    double mean = 1.0 / 3;
    double std = Math.sqrt(((1 - mean) * (1 - mean) + 2 * mean * mean) / 2);
    double[] derived = {(1 - mean) / (std + 1e-6), -mean / (std + 1e-6), -mean / (std + 1e-6)};
    double[] page = {1.154699, -0.577349, -0.577349};
    assertArrayEquals(derived, page, TOL);
    assertArrayEquals(page, GroupStats.normalisedOutcome(REWARDS, true, 1e-6), TOL);
  }

  @Test
  void sproDefaults() {
    double[][] expected = {
      {1.288032, 1.054699}, {-0.544016, -0.377349, -0.677349}, {-0.744016, -0.677349, -0.477349, -0.577349}
    };
    assertRows(expected, AdvantageEstimators.get("spro").advantages(group(), CONFIG));
  }

  @Test
  void sproWithStdNorm() {
    AdvantageConfig config = CONFIG.toBuilder().msaStdNorm(true).build();
    double[][] msa = {{0.872866, -0.577347}, {0.218216, 1.154694, -0.707102}, {-1.091082, -0.577347, 0.707102, 0}};
    assertRows(msa, SproAdvantage.maskedStepAdvantage(group(), config));
    double[][] expected = {
      {2.027564, 0.577352}, {-0.359133, 0.577345, -1.284451}, {-1.668432, -1.154696, 0.129753, -0.577349}
    };
    assertRows(expected, AdvantageEstimators.get("spro").advantages(group(), config));
  }

  @Test
  void grpo() {
    double[] ahat = {1.154699, -0.577349, -0.577349};
    double[][] expected = {{ahat[0], ahat[0]}, {ahat[1], ahat[1], ahat[1]}, {ahat[2], ahat[2], ahat[2], ahat[2]}};
    assertRows(expected, AdvantageEstimators.get("grpo").advantages(group(), CONFIG));
  }

  @Test
  void drGrpoAndRloo() {
    double m = 1.0 / 3;
    assertRows(new double[][] {{1 - m, 1 - m}, {-m, -m, -m}, {-m, -m, -m, -m}},
        AdvantageEstimators.get("drgrpo").advantages(group(), CONFIG));
    // RLOO: 1 - mean(0, 0) = 1; 0 - mean(1, 0) = -0.5
    assertRows(new double[][] {{1, 1}, {-0.5, -0.5, -0.5}, {-0.5, -0.5, -0.5, -0.5}},
        AdvantageEstimators.get("rloo").advantages(group(), CONFIG));
  }

  @Test
  void primeBeforeWhitening() {
    double[][] expected = {
      {0.858333, 0.779167}, {-0.6375, -0.625, -0.8125}, {-0.0333333, 0.125, -0.0166667, -0.258333}
    };
    // Derive y1 by hand: token rewards [0.2, -0.1], baseline mean(0.0666667, 0.175), outcome 1 - 0.
    double bp = (0.2 / 3 + 0.175) / 2;
    double[] y1 = {(0.2 - bp) + (-0.1 - bp) + 1, (-0.1 - bp) + 1};
    assertArrayEquals(y1, expected[0], TOL);
    assertRows(expected, AdvantageEstimators.get("prime").advantages(group(), CONFIG));
  }

  @Test
  void primeWhitenedBatchHasZeroMeanUnitVariance() {
    ResponseGroup g = group();
    double[][] a = AdvantageEstimators.get("prime").advantages(g, CONFIG);
    Whitening.whitenBatch(java.util.List.<double[][]>of(a), java.util.List.<int[]>of(g.lengths()));
    Whitening.Moments m = Whitening.moments(a, g.lengths());
    assertEquals(0, m.mean(), 1e-12);
    assertEquals(1, m.variance(), 1e-6);
  }
}
