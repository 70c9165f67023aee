package dev.spro.transforms.algo;

import java.util.List;

/**
 * Masked whitening of advantages over a whole batch (PRIME's last step, verl's {@code
 * masked_whiten}): {@code (A - mean) / sqrt(var + 1e-8)}, mean and unbiased variance over every
 * valid token of every response.
 *
 * <p>Split in two so a pipeline can compute the {@link Moments} with a combiner and apply them
 * per group.
 */
public final class Whitening {
  static final double VARIANCE_EPSILON = 1e-8;

  private Whitening() {}

  /** Count, sum and sum of squares of valid tokens: mergeable across groups in any order. */
  public record Moments(long count, double sum, double sumOfSquares) implements java.io.Serializable {
    public static final Moments EMPTY = new Moments(0, 0, 0);

    public Moments plus(Moments o) {
      return new Moments(count + o.count, sum + o.sum, sumOfSquares + o.sumOfSquares);
    }

    public double mean() {
      return count == 0 ? 0 : sum / count;
    }

    /** Unbiased variance (torch's default, which verl uses). */
    public double variance() {
      if (count < 2) {
        return 0;
      }
      double mean = mean();
      return Math.max(0, (sumOfSquares - count * mean * mean) / (count - 1));
    }
  }

  /** The moments of the first {@code lengths[i]} values of each row. */
  public static Moments moments(double[][] advantages, int[] lengths) {
    long count = 0;
    double sum = 0;
    double squares = 0;
    for (int i = 0; i < advantages.length; i++) {
      for (int t = 0; t < lengths[i]; t++) {
        count++;
        sum += advantages[i][t];
        squares += advantages[i][t] * advantages[i][t];
      }
    }
    return new Moments(count, sum, squares);
  }

  /** Whitens the valid entries of {@code advantages} in place with batch moments {@code m}. */
  public static void apply(double[][] advantages, int[] lengths, Moments m) {
    double mean = m.mean();
    double inv = 1 / Math.sqrt(m.variance() + VARIANCE_EPSILON);
    for (int i = 0; i < advantages.length; i++) {
      for (int t = 0; t < lengths[i]; t++) {
        advantages[i][t] = (advantages[i][t] - mean) * inv;
      }
    }
  }

  /** Whitens a whole batch held in memory: each group's advantages with its lengths. */
  public static void whitenBatch(List<double[][]> advantages, List<int[]> lengths) {
    Moments total = Moments.EMPTY;
    for (int k = 0; k < advantages.size(); k++) {
      total = total.plus(moments(advantages.get(k), lengths.get(k)));
    }
    for (int k = 0; k < advantages.size(); k++) {
      apply(advantages.get(k), lengths.get(k), total);
    }
  }
}
