package dev.spro.transforms.algo;

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
 */
public final class SproAdvantage implements AdvantageEstimator {
  public static final String NAME = "spro";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public double[][] advantages(ResponseGroup group, AdvantageConfig config) {
    double[][] msa = maskedStepAdvantage(group, config);
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

  /** The MSA term alone (guards applied, before msaCoef). */
  public static double[][] maskedStepAdvantage(ResponseGroup group, AdvantageConfig config) {
    double[][] msa = group.zeros();
    if (config.msaOnlyMixedGroups() && group.outcomesAllEqual()) {
      return msa;
    }
    double[][] cpr = cumulativeProcessRewards(group, config.beta());
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
