package dev.spro.transforms.algo;

/**
 * GRPO and Dr.GRPO: the group-normalised outcome reward, broadcast to every token.
 *
 * <pre>
 *   grpo     A[i][t] = m[i][t] (r[i] - mean r) / (std r + eps)     std unbiased (n - 1)
 *   drgrpo   A[i][t] = m[i][t] (r[i] - mean r)                     no std ("GRPO done right")
 *   group of one: mean 0, std 1 (verl's convention)
 * </pre>
 *
 * A group whose outcomes are all equal gets zero advantage everywhere. {@code grpo} divides by
 * the std when {@link AdvantageConfig#normByStd()} is set; {@code drgrpo} never does.
 */
public final class GrpoAdvantage implements AdvantageEstimator {
  private final String name;
  private final boolean forceNoStd;

  private GrpoAdvantage(String name, boolean forceNoStd) {
    this.name = name;
    this.forceNoStd = forceNoStd;
  }

  public static GrpoAdvantage grpo() {
    return new GrpoAdvantage("grpo", false);
  }

  public static GrpoAdvantage drGrpo() {
    return new GrpoAdvantage("drgrpo", true);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public double[][] advantages(ResponseGroup group, AdvantageConfig config) {
    boolean byStd = config.normByStd() && !forceNoStd;
    return broadcast(group, GroupStats.normalisedOutcome(group.rewards(), byStd, config.epsilon()));
  }

  /** Each response's scalar advantage on each of its tokens. */
  static double[][] broadcast(ResponseGroup group, double[] perResponse) {
    double[][] out = group.zeros();
    for (int i = 0; i < group.size(); i++) {
      for (int t = 0; t < group.lengths()[i]; t++) {
        out[i][t] = perResponse[i];
      }
    }
    return out;
  }
}
