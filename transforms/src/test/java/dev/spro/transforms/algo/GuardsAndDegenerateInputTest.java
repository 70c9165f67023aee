package dev.spro.transforms.algo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The stability guards on the test vector, and bad input failing loudly. */
class GuardsAndDegenerateInputTest {
  static final AdvantageConfig CONFIG = TestVectorsTest.CONFIG;

  @Test
  void allCorrectAndAllWrongGroupsGetZeroAdvantageWithTheMixedGroupGuard() {
    AdvantageConfig guarded = CONFIG.toBuilder().msaOnlyMixedGroups(true).build();
    for (double r : new double[] {0, 1}) {
      ResponseGroup g = ResponseGroup.of(TestVectorsTest.LOG_RATIOS, new double[] {r, r, r});
      for (double[] row : AdvantageEstimators.get("spro").advantages(g, guarded)) {
        for (double v : row) {
          assertEquals(0.0, v);
        }
      }
      // Without the guard the same group has non-zero advantages (MSA alone).
      double[][] unguarded = AdvantageEstimators.get("spro").advantages(g, CONFIG);
      assertEquals(0.1333333, unguarded[0][0], 1e-6);
    }
  }

  @Test
  void msaClipOnTheTestVector() {
    AdvantageConfig clipped = CONFIG.toBuilder().msaClip(0.1).build();
    double[][] msa = SproAdvantage.maskedStepAdvantage(TestVectorsTest.group(), clipped);
    assertArrayEquals(new double[] {0.1, -0.1}, msa[0], 1e-6);
    assertArrayEquals(new double[] {0.0333333, 0.1, -0.1}, msa[1], 1e-6);
    assertArrayEquals(new double[] {-0.1, -0.1, 0.1, 0.0}, msa[2], 1e-6);
  }

  @Test
  void guardsOffReproduceTheVectorsExactly() {
    AdvantageConfig explicitOff = CONFIG.toBuilder().msaOnlyMixedGroups(false).msaClip(Double.POSITIVE_INFINITY).build();
    double[][] a = AdvantageEstimators.get("spro").advantages(TestVectorsTest.group(), CONFIG);
    double[][] b = AdvantageEstimators.get("spro").advantages(TestVectorsTest.group(), explicitOff);
    for (int i = 0; i < a.length; i++) {
      assertArrayEquals(a[i], b[i], 0.0);
    }
  }

  @Test
  void emptyGroup() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ResponseGroup.of(new double[0][], new double[0]));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
  }

  @Test
  void zeroLengthResponse() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ResponseGroup.of(new double[][] {{0.1}, {}}, new double[] {1, 0}));
    assertTrue(e.getMessage().contains("response 1 has length 0"), e.getMessage());
  }

  @Test
  void nonFiniteRewardsAndLogRatios() {
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      IllegalArgumentException r = assertThrows(IllegalArgumentException.class,
          () -> ResponseGroup.of(new double[][] {{0.1}, {0.2}}, new double[] {1, bad}));
      assertTrue(r.getMessage().contains("outcome reward of response 1"), r.getMessage());
      IllegalArgumentException l = assertThrows(IllegalArgumentException.class,
          () -> ResponseGroup.of(new double[][] {{0.1, 0.3}, {0.2, bad, 0.1}}, new double[] {1, 0}));
      assertTrue(l.getMessage().contains("response 1 at token 1"), l.getMessage());
    }
  }

  @Test
  void lengthBeyondItsRowAndMismatchedSizes() {
    assertThrows(IllegalArgumentException.class,
        () -> new ResponseGroup(new double[][] {{0.1}}, new int[] {2}, new double[] {1}));
    assertThrows(IllegalArgumentException.class,
        () -> new ResponseGroup(new double[][] {{0.1}, {0.2}}, new int[] {1}, new double[] {1, 0}));
  }

  @Test
  void badConfigAndUnknownEstimator() {
    assertThrows(IllegalArgumentException.class, () -> AdvantageConfig.builder().beta(Double.NaN).build());
    assertThrows(IllegalArgumentException.class, () -> AdvantageConfig.builder().msaClip(0).build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdvantageEstimators.get("ppo"));
    assertTrue(e.getMessage().contains("spro, grpo, drgrpo, rloo, prime"), e.getMessage());
    assertEquals("spro", AdvantageEstimators.get(" SPRO ").name());
  }

  @Test
  void groupOfOneFollowsVerl() {
    ResponseGroup one = ResponseGroup.of(new double[][] {{0.3, -0.1}}, new double[] {1});
    // mean 0, std 1 => Ahat = 1 / (1 + eps); MSA 0 (lone survivor).
    double[][] a = AdvantageEstimators.get("spro").advantages(one, CONFIG);
    assertArrayEquals(new double[] {1 / (1 + 1e-6), 1 / (1 + 1e-6)}, a[0], 1e-12);
    assertArrayEquals(new double[] {1, 1}, AdvantageEstimators.get("rloo").advantages(one, CONFIG)[0], 0);
  }
}
