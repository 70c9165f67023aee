package dev.spro.transforms.algo;

import static dev.spro.transforms.algo.TestVectorsTest.CONFIG;
import static dev.spro.transforms.algo.TestVectorsTest.assertRows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The credit study's arms on the page's test vector (docs/algorithms.md §6). The deterministic
 * arms' values come from {@code src/test/python/credit_arms_vectors.py} (the formulas in exact
 * fractions, written apart from this code); the placebo's from its defining property.
 */
class CreditArmsTest {
  static final int[] FIRST_ERRORS = {-1, 1, 2};
  static final long[] SEEDS = {11, 12, 13};

  static ResponseGroup group() {
    return TestVectorsTest.group().withSeeds(SEEDS).withFirstErrors(FIRST_ERRORS);
  }

  static double[][] adv(String name, ResponseGroup g) {
    return AdvantageEstimators.get(name).advantages(g, CONFIG);
  }

  @Test
  void sproWithoutThePrefixSum() {
    assertRows(new double[][] {{1.288032, 0.921365}, {-0.544016, -0.410683, -0.827349},
        {-0.744016, -0.510683, -0.327349, -0.577349}}, adv("spro-nosum", group()));
  }

  @Test
  void sproWithTheKlPenaltyThatCancelsItsBonus() {
    assertRows(new double[][] {{1.154699, 1.288032}, {-0.577349, -0.544016, -0.427349},
        {-0.577349, -0.744016, -0.727349, -0.577349}}, adv("spro-klpen", group()));
  }

  @Test
  void grpoWithAnExplicitKlBonus() {
    assertRows(new double[][] {{1.243587, 0.999143}, {-0.555127, -0.466238, -0.702349},
        {-0.688460, -0.532905, -0.452349, -0.577349}}, adv("grpo-klbonus", group()));
  }

  @Test
  void oracleLeavesTheCorrectPrefixOfAFailedResponseAlone() {
    assertRows(new double[][] {{1.154699, 1.154699}, {0, -0.577349, -0.577349}, {0, 0, -0.577349, -0.577349}},
        adv("oracle", group()));
  }

  @Test
  void sproIsItsOwnTokenTermPlusItsPrefixTerm() {
    // R_t = beta l_t + beta sum_{j<t} l_j, and MSA is linear in R: spro = nosum + klpen - grpo.
    double[][] spro = adv("spro", group());
    double[][] nosum = adv("spro-nosum", group());
    double[][] klpen = adv("spro-klpen", group());
    double[][] grpo = adv("grpo", group());
    for (int i = 0; i < spro.length; i++) {
      for (int t = 0; t < spro[i].length; t++) {
        assertEquals(spro[i][t], nosum[i][t] + klpen[i][t] - grpo[i][t], 1e-12, "response " + i + " token " + t);
      }
    }
  }

  @Test
  void placeboSumsTheResponsesOwnLogRatiosInAnotherOrder() {
    ResponseGroup g = group();
    double[][] placebo = SproAdvantage.processRewards(g, 0.5, SproAdvantage.ProcessSum.PLACEBO);
    double[][] cpr = SproAdvantage.cumulativeProcessRewards(g, 0.5);
    boolean anyReordered = false;
    for (int i = 0; i < g.size(); i++) {
      int len = g.lengths()[i];
      double[] steps = new double[len];
      for (int t = 0; t < len; t++) {
        steps[t] = placebo[i][t] - (t == 0 ? 0 : placebo[i][t - 1]);
      }
      double[] own = Arrays.copyOf(g.logRatios()[i], len);
      for (int t = 0; t < len; t++) {
        own[t] *= 0.5;
      }
      anyReordered |= !Arrays.equals(roundAll(steps), roundAll(own));
      Arrays.sort(steps);
      Arrays.sort(own);
      assertArrayEquals(own, steps, 1e-12, "response " + i + " sums a permutation of its own rewards");
      assertEquals(cpr[i][len - 1], placebo[i][len - 1], 1e-12, "the whole response's sum is unchanged");
    }
    assertTrue(anyReordered, "seeds 11, 12, 13 reorder at least one response");
  }

  @Test
  void placeboIsDeterministicInTheSeedsAndChangesWithThem() {
    assertRows(adv("spro-placebo", group()), adv("spro-placebo", group()));
    double[][] other = adv("spro-placebo", group().withSeeds(new long[] {21, 22, 23}));
    assertNotEquals(Arrays.deepToString(adv("spro-placebo", group())), Arrays.deepToString(other));
  }

  @Test
  void placeboAndOracleNameWhatTheyMiss() {
    var e = assertThrows(IllegalArgumentException.class, () -> adv("spro-placebo", TestVectorsTest.group()));
    assertTrue(e.getMessage().contains("sampling seed"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> adv("oracle", TestVectorsTest.group()));
    assertTrue(e.getMessage().contains("first wrong token"), e.getMessage());
    assertTrue(AdvantageEstimators.get("spro-placebo").needsSeeds());
    assertTrue(AdvantageEstimators.get("oracle").needsStepCheck());
  }

  @Test
  void columnsOfTheWrongSizeAreRefused() {
    var e = assertThrows(IllegalArgumentException.class, () -> TestVectorsTest.group().withSeeds(new long[] {1, 2}));
    assertTrue(e.getMessage().contains("2 seeds for 3 responses"), e.getMessage());
  }

  private static double[] roundAll(double[] v) {
    return Arrays.stream(v).map(x -> Math.round(x * 1e9) / 1e9).toArray();
  }
}
