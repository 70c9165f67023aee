package dev.spro.transforms.algo;

/**
 * The G responses sampled for one prompt, as the estimators see them.
 *
 * <p>Row {@code i} of {@code logRatios} holds, for each response token, {@code log pi(y_t) - log
 * pi_ref(y_t)} (pi = the rollout policy for SPRO, the implicit PRM for PRIME); only its first
 * {@code lengths[i]} entries are read, so rows may be right-padded with anything. {@code
 * rewards[i]} is the outcome reward of response {@code i}.
 *
 * <p>Two optional per-response columns serve the credit-study arms: {@code seeds} (each
 * response's sampling seed, from (run seed, iteration, prompt id, sample index); the placebo's
 * permutation is drawn from it) and {@code firstErrors} (the index of the first wrong token of a
 * response as the task's step checker found it, -1 where it found none; the oracle reads it).
 * Either is null when the run does not provide it.
 *
 * <p>Bad input fails here, with the response and token named, rather than as a NaN advantage
 * later: an empty group, a zero-length response, a length beyond its row, a non-finite reward or
 * log-ratio, a column of the wrong size.
 */
public record ResponseGroup(double[][] logRatios, int[] lengths, double[] rewards, long[] seeds, int[] firstErrors) {

  /** A group without seeds or first errors. */
  public ResponseGroup(double[][] logRatios, int[] lengths, double[] rewards) {
    this(logRatios, lengths, rewards, null, null);
  }

  public ResponseGroup {
    if (rewards == null || logRatios == null || lengths == null) {
      throw new IllegalArgumentException("response group: logRatios, lengths and rewards are required");
    }
    int g = rewards.length;
    if (g == 0) {
      throw new IllegalArgumentException("response group is empty: a prompt needs at least one response");
    }
    if (logRatios.length != g || lengths.length != g) {
      throw new IllegalArgumentException(String.format(
          "response group sizes disagree: %d rewards, %d log-ratio rows, %d lengths", g, logRatios.length, lengths.length));
    }
    for (int i = 0; i < g; i++) {
      if (!Double.isFinite(rewards[i])) {
        throw new IllegalArgumentException("outcome reward of response " + i + " is " + rewards[i]);
      }
      if (lengths[i] <= 0) {
        throw new IllegalArgumentException("response " + i + " has length " + lengths[i] + ": every response has at least one token");
      }
      if (logRatios[i] == null || lengths[i] > logRatios[i].length) {
        throw new IllegalArgumentException(String.format("response %d has length %d but %d log-ratios",
            i, lengths[i], logRatios[i] == null ? 0 : logRatios[i].length));
      }
      for (int t = 0; t < lengths[i]; t++) {
        if (!Double.isFinite(logRatios[i][t])) {
          throw new IllegalArgumentException(String.format("log-ratio of response %d at token %d is %s", i, t, logRatios[i][t]));
        }
      }
    }
    if (seeds != null && seeds.length != g) {
      throw new IllegalArgumentException("response group: " + seeds.length + " seeds for " + g + " responses");
    }
    if (firstErrors != null && firstErrors.length != g) {
      throw new IllegalArgumentException("response group: " + firstErrors.length + " first-error indices for " + g + " responses");
    }
  }

  /** This group with each response's sampling seed. */
  public ResponseGroup withSeeds(long[] responseSeeds) {
    return new ResponseGroup(logRatios, lengths, rewards, responseSeeds, firstErrors);
  }

  /** This group with each response's first wrong token (-1: none found). */
  public ResponseGroup withFirstErrors(int[] firstErrorTokens) {
    return new ResponseGroup(logRatios, lengths, rewards, seeds, firstErrorTokens);
  }

  /** A group whose rows are exactly the responses (no padding). */
  public static ResponseGroup of(double[][] logRatios, double[] rewards) {
    int[] lengths = new int[logRatios.length];
    for (int i = 0; i < logRatios.length; i++) {
      lengths[i] = logRatios[i] == null ? 0 : logRatios[i].length;
    }
    return new ResponseGroup(logRatios, lengths, rewards);
  }

  /** G, the number of responses. */
  public int size() {
    return rewards.length;
  }

  /** The longest response's length: the number of steps. */
  public int maxLength() {
    int max = 0;
    for (int len : lengths) {
      max = Math.max(max, len);
    }
    return max;
  }

  /** An all-zero advantage array shaped like the input rows. */
  double[][] zeros() {
    double[][] out = new double[size()][];
    for (int i = 0; i < size(); i++) {
      out[i] = new double[logRatios[i].length];
    }
    return out;
  }

  /** True when every outcome reward is the same (no outcome signal in the group). */
  public boolean outcomesAllEqual() {
    for (double r : rewards) {
      if (r != rewards[0]) {
        return false;
      }
    }
    return true;
  }
}
