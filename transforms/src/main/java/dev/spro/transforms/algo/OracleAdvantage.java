package dev.spro.transforms.algo;

/**
 * The oracle process reward ({@code oracle}): the ceiling a process method could reach on a task
 * whose step checker knows where a wrong response first goes wrong.
 *
 * <pre>
 *   Ahat[i]     GRPO's normalised outcome advantage
 *   e[i]        the first wrong token of response i (ResponseGroup.firstErrors; -1: none found)
 *   A[i][t]     = 0        if Ahat[i] &lt; 0 and 0 &lt;= e[i] and t &lt; e[i]   (the correct prefix of a failed response)
 *               = Ahat[i]  otherwise
 * </pre>
 *
 * A response below its group's mean is pushed down only from its first wrong token on; the tokens
 * before it, right as far as they go, are left alone — where GRPO pushes them down too. A failed
 * response in which the checker found no wrong step (cut off at the length limit while still
 * right) gets GRPO's advantage on every token. Needs a task with a step checker (the built-in
 * arithmetic task with the character tokenizer).
 */
public final class OracleAdvantage implements AdvantageEstimator {
  public static final String NAME = "oracle";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean needsStepCheck() {
    return true;
  }

  @Override
  public double[][] advantages(ResponseGroup group, AdvantageConfig config) {
    if (group.firstErrors() == null) {
      throw new IllegalArgumentException(
          "the oracle estimator needs each response's first wrong token, which only the built-in arithmetic task provides");
    }
    double[] outcome = GroupStats.normalisedOutcome(group.rewards(), config.normByStd(), config.epsilon());
    double[][] out = GrpoAdvantage.broadcast(group, outcome);
    for (int i = 0; i < group.size(); i++) {
      int firstError = group.firstErrors()[i];
      if (outcome[i] < 0 && firstError >= 0) {
        for (int t = 0; t < Math.min(firstError, group.lengths()[i]); t++) {
          out[i][t] = 0;
        }
      }
    }
    return out;
  }
}
