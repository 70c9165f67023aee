package dev.spro.transforms.algo;

/**
 * RLOO: REINFORCE with a leave-one-out baseline, broadcast to every token.
 *
 * <pre>
 *   A[i][t] = m[i][t] (r[i] - mean_{j != i} r[j])  =  m[i][t] G/(G-1) (r[i] - mean r)
 *   group of one: the baseline is 0
 * </pre>
 */
public final class RlooAdvantage implements AdvantageEstimator {
  public static final String NAME = "rloo";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public double[][] advantages(ResponseGroup group, AdvantageConfig config) {
    double[] baselines = GroupStats.leaveOneOutMeans(group.rewards());
    double[] perResponse = new double[group.size()];
    for (int i = 0; i < perResponse.length; i++) {
      perResponse[i] = group.rewards()[i] - baselines[i];
    }
    return GrpoAdvantage.broadcast(group, perResponse);
  }
}
