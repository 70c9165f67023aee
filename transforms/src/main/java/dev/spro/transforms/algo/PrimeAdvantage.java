package dev.spro.transforms.algo;

/**
 * PRIME: implicit process rewards from a second, online-trained model, combined with the outcome
 * reward by RLOO, then whitened over the batch.
 *
 * <pre>
 *   token reward        r[i][t]  = beta * (log pi_phi - log pi_ref)(y[i][t])     pi_phi: the implicit PRM
 *   process baseline    p[i]     = mean_t r[i][t]                 (one number per response, all steps pooled)
 *                       bp[i]    = mean_{j != i} p[j]
 *   process returns     P[i][t]  = sum_{s >= t} (r[i][s] - bp[i])  (reverse cumulative sum, gamma = 1)
 *   outcome part        O[i]     = r_o[i] - mean_{j != i} r_o[j]   (RLOO)
 *   advantage           A[i][t]  = m[i][t] (P[i][t] + O[i]),   then whitened over the whole batch
 * </pre>
 *
 * This method returns A before whitening; {@link #whitensBatch()} tells the pipeline to apply
 * {@link Whitening} across all groups. Pooling every step into one baseline per response is the
 * "single group" comparison SPRO argues against, and pi_phi costs a second model's forward and
 * backward every iteration — the overhead SPRO removes.
 */
public final class PrimeAdvantage implements AdvantageEstimator {
  public static final String NAME = "prime";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean whitensBatch() {
    return true;
  }

  @Override
  public boolean trainsRewardModel() {
    return true;
  }

  @Override
  public double[][] advantages(ResponseGroup group, AdvantageConfig config) {
    int g = group.size();
    int[] lengths = group.lengths();
    double beta = config.beta();
    double[] meanProcess = new double[g];
    for (int i = 0; i < g; i++) {
      double sum = 0;
      for (int t = 0; t < lengths[i]; t++) {
        sum += beta * group.logRatios()[i][t];
      }
      meanProcess[i] = sum / lengths[i];
    }
    double[] processBaseline = GroupStats.leaveOneOutMeans(meanProcess);
    double[] outcomeBaseline = GroupStats.leaveOneOutMeans(group.rewards());
    double[][] out = group.zeros();
    for (int i = 0; i < g; i++) {
      double outcome = group.rewards()[i] - outcomeBaseline[i];
      double returns = 0;
      for (int t = lengths[i] - 1; t >= 0; t--) {
        returns += beta * group.logRatios()[i][t] - processBaseline[i];
        out[i][t] = returns + outcome;
      }
    }
    return out;
  }
}
