package dev.spro.transforms.algo;

/**
 * GRPO plus an explicit KL bonus ({@code grpo-klbonus}): the credit study's test of the identity
 * that SPRO's process term is, in expectation, a KL bonus (docs/algorithms.md, "What SPRO's process
 * term does in expectation").
 *
 * <pre>
 *   n[t]      responses alive at step t
 *   bonus     B[i][t] = (1 - 1/n[t]) * beta * (l[i][t] - mean over alive k of l[k][t])   (0 where n[t] &lt; 2)
 *   advantage A[i][t] = m[i][t] (Ahat[i] + B[i][t])         Ahat: GRPO's normalised outcome
 * </pre>
 *
 * The log-ratio {@code l} of the sampled token is the k1 estimate of KL(pi || pi_ref) at that
 * step, so B pushes up tokens the policy already prefers over the reference. Its expected
 * gradient is (1 - 1/n)^2 beta grad KL — the group mean it subtracts includes the response itself,
 * which takes another (1 - 1/n); {@code spro-nosum}, {@code beta * (l - mean l)}, has SPRO's
 * (1 - 1/n) beta exactly. No SPRO guard applies here.
 */
public final class KlBonusAdvantage implements AdvantageEstimator {
  public static final String NAME = "grpo-klbonus";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public double[][] advantages(ResponseGroup group, AdvantageConfig config) {
    double[] outcome = GroupStats.normalisedOutcome(group.rewards(), config.normByStd(), config.epsilon());
    double[][] out = GrpoAdvantage.broadcast(group, outcome);
    int[] lengths = group.lengths();
    double[][] l = group.logRatios();
    for (int t = 0; t < group.maxLength(); t++) {
      int alive = 0;
      double sum = 0;
      for (int i = 0; i < group.size(); i++) {
        if (t < lengths[i]) {
          alive++;
          sum += l[i][t];
        }
      }
      if (alive < 2) {
        continue;
      }
      double mean = sum / alive;
      double weight = (1 - 1.0 / alive) * config.beta();
      for (int i = 0; i < group.size(); i++) {
        if (t < lengths[i]) {
          out[i][t] += weight * (l[i][t] - mean);
        }
      }
    }
    return out;
  }
}
