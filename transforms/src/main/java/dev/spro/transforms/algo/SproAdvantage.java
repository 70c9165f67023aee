package dev.spro.transforms.algo;

import java.util.SplittableRandom;

/**
 * SPRO: Self-Guided Process Reward Optimization.
 *
 * <pre>
 *   process reward      rtilde[i][t] = beta * (log pi_old - log pi_ref)(y[i][t])
 *   CPR                 R[i][t]      = sum_{j <= t} rtilde[i][j]
 *   alive at step t     m[i][t]      = 1 if t < len[i]
 *   step baseline       b[t]         = sum_i m[i][t] R[i][t] / sum_i m[i][t]
 *                                      (msaLeaveOneOut: the mean over the other alive responses)
 *   MSA                 MSA[i][t]    = m[i][t] (R[i][t] - b[t]);   0 where only one response is alive
 *                                      (msaStdNorm: divided by the unbiased std of R[.][t] over alive + eps)
 *   guards              msaOnlyMixedGroups: MSA = 0 if all outcome rewards are equal
 *                       msaClip: MSA clipped to [-msaClip, msaClip]
 *   outcome advantage   Ahat[i]      = (r[i] - mean r) / (std r + eps)      (GRPO's, unbiased std)
 *   advantage           A[i][t]      = m[i][t] (Ahat[i] + msaCoef * MSA[i][t])
 * </pre>
 *
 * Responses are compared only with the responses of the same prompt still alive at the same
 * step, so a token's credit is how much its prefix's self-reward beats its siblings' prefixes.
 * With beta = 0 this is exactly GRPO. A group whose outcomes are all equal still learns from its
 * MSA term, where GRPO gets no signal — and that is also where the self-reward loop can run away
 * (docs/algorithms.md, "What SPRO's process term does in expectation" and "Stability"), which the guards are for.
 *
 * <p>The credit study's variants ({@link ProcessSum}) change only what R is summed from; the
 * baseline, the guards and the outcome term stay SPRO's.
 */
public final class SproAdvantage implements AdvantageEstimator {
  public static final String NAME = "spro";
  /** Mixed into a response's sampling seed so the placebo's draws are not the sampler's. */
  private static final long PLACEBO_SALT = 0x706c616365626fL; // "placebo"

  /**
   * What a response's process reward at step t is: SPRO's cumulative sum, or one of the study's
   * variants that keep its expected gradient (a KL bonus of weight (1 - 1/n_t) beta, see
   * docs/algorithms.md) or its variance and drop the other.
   */
  public enum ProcessSum {
    /** {@code R[t] = beta * sum_{j <= t} l[j]}: the paper. */
    CUMULATIVE("spro"),
    /** {@code R[t] = beta * l[t]}: no prefix sum — SPRO's expected gradient, without the prefix's variance. */
    TOKEN("spro-nosum"),
    /**
     * {@code R[t] = beta * sum_{j < t} l[j]}: SPRO with an in-reward KL penalty {@code beta * (l[t]
     * - mean l[t])} whose expected gradient, -(1 - 1/n_t) beta grad KL, cancels SPRO's KL bonus
     * exactly — the prefix sums' variance without their mean.
     */
    PREFIX("spro-klpen"),
    /**
     * {@code R[t] = beta * sum_{j <= t} l[perm(j)]}: the response's own log-ratios in a random
     * order (drawn from its sampling seed) — the same magnitudes and per-response sums, no link
     * between a token and the step its reward is counted at (its own term lands at or before it
     * with probability (t+1)/T, so part of the KL bonus remains: ExpectedGradientTest).
     */
    PLACEBO("spro-placebo");

    private final String estimatorName;

    ProcessSum(String estimatorName) {
      this.estimatorName = estimatorName;
    }
  }

  private final ProcessSum sum;

  public SproAdvantage() {
    this(ProcessSum.CUMULATIVE);
  }

  public SproAdvantage(ProcessSum sum) {
    this.sum = sum;
  }

  @Override
  public String name() {
    return sum.estimatorName;
  }

  @Override
  public boolean needsSeeds() {
    return sum == ProcessSum.PLACEBO;
  }

  @Override
  public double[][] advantages(ResponseGroup group, AdvantageConfig config) {
    double[][] msa = maskedStepAdvantage(group, config, processRewards(group, config.beta(), sum));
    double[] outcome = GroupStats.normalisedOutcome(group.rewards(), true, config.epsilon());
    double[][] out = group.zeros();
    for (int i = 0; i < group.size(); i++) {
      for (int t = 0; t < group.lengths()[i]; t++) {
        out[i][t] = outcome[i] + config.msaCoef() * msa[i][t];
      }
    }
    return out;
  }

  /** CPR: the prefix sums of beta times the log-ratios, per response. */
  public static double[][] cumulativeProcessRewards(ResponseGroup group, double beta) {
    double[][] cpr = group.zeros();
    for (int i = 0; i < group.size(); i++) {
      double running = 0;
      for (int t = 0; t < group.lengths()[i]; t++) {
        running += beta * group.logRatios()[i][t];
        cpr[i][t] = running;
      }
    }
    return cpr;
  }

  /** Each response's process reward per step, as {@code sum} defines it. */
  public static double[][] processRewards(ResponseGroup group, double beta, ProcessSum sum) {
    double[][] r = group.zeros();
    for (int i = 0; i < group.size(); i++) {
      double[] l = group.logRatios()[i];
      int len = group.lengths()[i];
      if (sum == ProcessSum.PLACEBO) {
        if (group.seeds() == null) {
          throw new IllegalArgumentException("spro-placebo needs each response's sampling seed");
        }
        l = permuted(l, len, new SplittableRandom(group.seeds()[i] ^ PLACEBO_SALT));
      }
      double running = 0;
      for (int t = 0; t < len; t++) {
        double own = beta * l[t];
        r[i][t] = switch (sum) {
          case CUMULATIVE, PLACEBO -> running + own;
          case TOKEN -> own;
          case PREFIX -> running;
        };
        running += own;
      }
    }
    return r;
  }

  /** The first {@code length} values of {@code values} in a uniformly random order (Fisher-Yates). */
  static double[] permuted(double[] values, int length, SplittableRandom random) {
    double[] out = java.util.Arrays.copyOf(values, length);
    for (int k = length - 1; k > 0; k--) {
      int j = random.nextInt(k + 1);
      double v = out[k];
      out[k] = out[j];
      out[j] = v;
    }
    return out;
  }

  /** The MSA term alone (guards applied, before msaCoef). */
  public static double[][] maskedStepAdvantage(ResponseGroup group, AdvantageConfig config) {
    return maskedStepAdvantage(group, config, cumulativeProcessRewards(group, config.beta()));
  }

  /** The MSA term of given per-step process rewards {@code cpr} (guards applied, before msaCoef). */
  public static double[][] maskedStepAdvantage(ResponseGroup group, AdvantageConfig config, double[][] cpr) {
    double[][] msa = group.zeros();
    if (config.msaOnlyMixedGroups() && group.outcomesAllEqual()) {
      return msa;
    }
    int g = group.size();
    int[] lengths = group.lengths();
    for (int t = 0; t < group.maxLength(); t++) {
      int alive = 0;
      double sum = 0;
      for (int i = 0; i < g; i++) {
        if (t < lengths[i]) {
          alive++;
          sum += cpr[i][t];
        }
      }
      if (alive < 2) {
        continue; // a lone survivor has nothing to be compared with: MSA 0
      }
      double mean = sum / alive;
      double scale = 1;
      if (config.msaStdNorm()) {
        double ss = 0;
        for (int i = 0; i < g; i++) {
          if (t < lengths[i]) {
            ss += (cpr[i][t] - mean) * (cpr[i][t] - mean);
          }
        }
        scale = 1 / (Math.sqrt(ss / (alive - 1)) + config.epsilon());
      }
      for (int i = 0; i < g; i++) {
        if (t < lengths[i]) {
          double baseline = config.msaLeaveOneOut() ? (sum - cpr[i][t]) / (alive - 1) : mean;
          double value = (cpr[i][t] - baseline) * scale;
          msa[i][t] = Math.max(-config.msaClip(), Math.min(config.msaClip(), value));
        }
      }
    }
    return msa;
  }
}
