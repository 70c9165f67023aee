package dev.spro.transforms.algo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The expected policy gradients of docs/algorithms.md ("What SPRO's process term does in
 * expectation", "The credit study's arms"), by Monte Carlo through the registry's estimators.
 *
 * <p>A tabular policy: T steps, each a softmax over K actions with its own logits, independent of
 * the prefix; a fixed reference. Every outcome reward is equal, so the outcome term is 0 and what
 * is left is the process term. The exact gradient of KL(pi_t || ref_t) with respect to step t's
 * logits is pi_t[k] (l_t[k] - KL_t); the estimate is the group mean of A[i][t] (onehot(a) - pi_t),
 * the score-function gradient that the policy loss follows.
 */
class ExpectedGradientTest {
  static final int T = 3;
  static final int K = 3;
  static final int G = 4;
  static final int GROUPS = 400_000;
  static final double[][] LOGITS = {{0.5, -0.3, 0.1}, {1.2, 0.0, -0.8}, {-0.4, 0.6, 0.2}};
  static final double[][] REF = {{0.0, 0.2, -0.1}, {0.3, 0.4, -0.2}, {0.1, -0.5, 0.3}};

  static double[] softmax(double[] z) {
    double max = Math.max(z[0], Math.max(z[1], z[2]));
    double[] p = new double[z.length];
    double sum = 0;
    for (int k = 0; k < z.length; k++) {
      p[k] = Math.exp(z[k] - max);
      sum += p[k];
    }
    for (int k = 0; k < z.length; k++) {
      p[k] /= sum;
    }
    return p;
  }

  /** Step t's estimated gradient per logit, over GROUPS groups of G sampled responses. */
  static double[][] estimate(String estimator, long seed) {
    double[][] pi = new double[T][];
    double[][] ref = new double[T][];
    for (int t = 0; t < T; t++) {
      pi[t] = softmax(LOGITS[t]);
      ref[t] = softmax(REF[t]);
    }
    AdvantageConfig config = AdvantageConfig.builder().beta(1.0).build();
    AdvantageEstimator e = AdvantageEstimators.get(estimator);
    SplittableRandom rnd = new SplittableRandom(seed);
    double[][] grad = new double[T][K];
    int[][] actions = new int[G][T];
    for (int n = 0; n < GROUPS; n++) {
      double[][] ratios = new double[G][T];
      long[] seeds = new long[G];
      for (int i = 0; i < G; i++) {
        seeds[i] = rnd.nextLong();
        for (int t = 0; t < T; t++) {
          double u = rnd.nextDouble();
          int a = 0;
          for (double c = pi[t][0]; u > c && a < K - 1; c += pi[t][++a]) {
            // inverse-CDF draw
          }
          actions[i][t] = a;
          ratios[i][t] = Math.log(pi[t][a]) - Math.log(ref[t][a]);
        }
      }
      double[][] adv = e.advantages(ResponseGroup.of(ratios, new double[G]).withSeeds(seeds), config);
      for (int i = 0; i < G; i++) {
        for (int t = 0; t < T; t++) {
          for (int k = 0; k < K; k++) {
            grad[t][k] += adv[i][t] * ((actions[i][t] == k ? 1 : 0) - pi[t][k]) / G;
          }
        }
      }
    }
    for (double[] row : grad) {
      for (int k = 0; k < K; k++) {
        row[k] /= GROUPS;
      }
    }
    return grad;
  }

  /** d KL(pi_t || ref_t) / d logits_t. */
  static double[] klGradient(int t) {
    double[] pi = softmax(LOGITS[t]);
    double[] ref = softmax(REF[t]);
    double kl = 0;
    for (int k = 0; k < K; k++) {
      kl += pi[k] * (Math.log(pi[k]) - Math.log(ref[k]));
    }
    double[] g = new double[K];
    for (int k = 0; k < K; k++) {
      g[k] = pi[k] * (Math.log(pi[k]) - Math.log(ref[k]) - kl);
    }
    return g;
  }

  static void assertWeight(String estimator, java.util.function.IntToDoubleFunction weight) {
    double[][] g = estimate(estimator, 1);
    for (int t = 0; t < T; t++) {
      double[] kl = klGradient(t);
      for (int k = 0; k < K; k++) {
        assertEquals(weight.applyAsDouble(t) * kl[k], g[t][k], 0.004,
            estimator + " step " + t + " logit " + k + " (KL gradient " + kl[k] + ")");
      }
    }
  }

  @Test
  void sproIsAKlBonusOfWeightOneMinusOneOverG() {
    assertWeight("spro", t -> 1 - 1.0 / G);
  }

  @Test
  void withoutThePrefixSumTheMeanIsTheSame() {
    assertWeight("spro-nosum", t -> 1 - 1.0 / G);
  }

  @Test
  void theCancellingPenaltyLeavesNoMean() {
    assertWeight("spro-klpen", t -> 0);
  }

  @Test
  void theExplicitBonusAsWrittenHasTheSquaredWeight() {
    assertWeight("grpo-klbonus", t -> (1 - 1.0 / G) * (1 - 1.0 / G));
  }

  @Test
  void thePlaceboKeepsTheShareOfTheBonusWhereItsPermutationLeavesTheTokenInItsPrefix() {
    // with a policy that ignores the prefix, l_t is in the placebo's R_t with probability (t+1)/T
    assertWeight("spro-placebo", t -> (1 - 1.0 / G) * (t + 1) / T);
  }
}
