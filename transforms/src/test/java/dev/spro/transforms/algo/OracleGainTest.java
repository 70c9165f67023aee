package dev.spro.transforms.algo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * How much the oracle process reward can gain over GRPO (docs/algorithms.md, "What the oracle can
 * gain"), by Monte Carlo through the registry's estimators.
 *
 * <p>A response is T independent decisions, decision j right with probability q_j (a Bernoulli
 * logit each); it is right when every decision is, p = prod q_j. For the logit of decision j,
 * GRPO's expected gradient is (1 - 1/G)(1 - q_j) p, and the oracle's — which leaves a failed
 * response's decisions before its first wrong one alone — is that times (1 - p + prod_{i<=j} q_i):
 * at most about 1.5 for the first decision of a typical response and 1 for its last. The gate of
 * the credit study (the oracle >= 1.5x faster than GRPO) asks more than this oracle's expected
 * gradient can give on a task whose responses fail by any one of independent decisions.
 */
class OracleGainTest {
  static final double[] Q = {0.6, 0.7, 0.8};
  static final int T = Q.length;
  static final int G = 8;
  static final int GROUPS = 300_000;

  /** The expected gradient on each decision's logit (toward "right"), over GROUPS groups of G responses. */
  static double[] estimate(String estimator, long seed) {
    AdvantageConfig config = AdvantageConfig.builder().normByStd(false).build();
    AdvantageEstimator e = AdvantageEstimators.get(estimator);
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] grad = new double[T];
    boolean[][] right = new boolean[G][T];
    for (int n = 0; n < GROUPS; n++) {
      double[] rewards = new double[G];
      int[] firstErrors = new int[G];
      for (int i = 0; i < G; i++) {
        firstErrors[i] = -1;
        for (int t = 0; t < T; t++) {
          right[i][t] = rnd.nextDouble() < Q[t];
          if (!right[i][t] && firstErrors[i] < 0) {
            firstErrors[i] = t;
          }
        }
        rewards[i] = firstErrors[i] < 0 ? 1 : 0;
      }
      double[][] adv = e.advantages(ResponseGroup.of(new double[G][T], rewards).withFirstErrors(firstErrors), config);
      for (int i = 0; i < G; i++) {
        for (int t = 0; t < T; t++) {
          // d log pi(a) / d logit: 1 - q for the right decision, -q for the wrong one
          grad[t] += adv[i][t] * ((right[i][t] ? 1 : 0) - Q[t]) / G;
        }
      }
    }
    for (int t = 0; t < T; t++) {
      grad[t] /= GROUPS;
    }
    return grad;
  }

  static double p() {
    double p = 1;
    for (double q : Q) {
      p *= q;
    }
    return p;
  }

  @Test
  void grpoPushesEachDecisionByTheChanceThatTheOthersAreRight() {
    double[] g = estimate("grpo", 1);
    for (int t = 0; t < T; t++) {
      assertEquals((1 - 1.0 / G) * (1 - Q[t]) * p(), g[t], 0.002, "decision " + t);
    }
  }

  @Test
  void theOracleGainsOneMinusPPlusThePrefixProbabilityOverGrpo() {
    double[] g = estimate("oracle", 2);
    double prefix = 1;
    for (int t = 0; t < T; t++) {
      prefix *= Q[t];
      double grpo = (1 - 1.0 / G) * (1 - Q[t]) * p();
      assertEquals(grpo * (1 - p() + prefix), g[t], 0.002, "decision " + t + " (gain " + (1 - p() + prefix) + ")");
    }
  }
}
