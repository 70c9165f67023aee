package dev.spro.transforms.algo;

/** Mean and unbiased standard deviation over a group, with the group-of-one convention of verl. */
final class GroupStats {
  private GroupStats() {}

  static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return sum / values.length;
  }

  /** Unbiased (n - 1) standard deviation; 0 for fewer than two values. */
  static double unbiasedStd(double[] values) {
    if (values.length < 2) {
      return 0;
    }
    double mean = mean(values);
    double ss = 0;
    for (double v : values) {
      ss += (v - mean) * (v - mean);
    }
    return Math.sqrt(ss / (values.length - 1));
  }

  /**
   * The normalised outcome advantage of each response, {@code (r - mean) / (std + eps)}, or
   * {@code r - mean} when {@code normByStd} is false. A group of one has mean 0 and std 1 (verl),
   * so a lone response keeps its reward as its advantage.
   */
  static double[] normalisedOutcome(double[] rewards, boolean normByStd, double epsilon) {
    int g = rewards.length;
    double mean = g == 1 ? 0 : mean(rewards);
    double std = g == 1 ? 1 : unbiasedStd(rewards);
    double[] out = new double[g];
    for (int i = 0; i < g; i++) {
      out[i] = normByStd ? (rewards[i] - mean) / (std + epsilon) : rewards[i] - mean;
    }
    return out;
  }

  /** Leave-one-out mean: for each i, the mean of the others; 0 in a group of one. */
  static double[] leaveOneOutMeans(double[] values) {
    int g = values.length;
    double[] out = new double[g];
    if (g == 1) {
      return out;
    }
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    for (int i = 0; i < g; i++) {
      out[i] = (sum - values[i]) / (g - 1);
    }
    return out;
  }
}
