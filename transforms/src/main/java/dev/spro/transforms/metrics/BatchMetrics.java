package dev.spro.transforms.metrics;

import dev.spro.transforms.loss.KlEstimator;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The per-batch metrics of one iteration, accumulated response by response. Accumulators of
 * parts of a batch {@link #merge} into the accumulator of the whole, in any order (up to float
 * rounding of the sums), which is what a Beam combiner needs.
 */
public final class BatchMetrics implements Serializable {
  private final RunningStat score = new RunningStat();
  private final RunningStat responseLength = new RunningStat();
  private final RunningStat promptLength = new RunningStat();
  private final RunningStat advantage = new RunningStat();
  private final RunningStat entropy = new RunningStat();
  private final RunningStat klRefK1 = new RunningStat();
  private final RunningStat klRefK3 = new RunningStat();
  private final RunningStat rechecks = new RunningStat();
  private final RunningStat localisedByLogRatio = new RunningStat();
  private final RunningStat localisedByAdvantage = new RunningStat();
  private long truncated;

  /** One response: its outcome reward, lengths, and whether it hit the max response length. */
  public BatchMetrics addResponse(double outcomeReward, int promptTokens, int responseTokens, boolean hitMaxLength) {
    score.add(outcomeReward);
    promptLength.add(promptTokens);
    responseLength.add(responseTokens);
    if (hitMaxLength) {
      truncated++;
    }
    return this;
  }

  /** A response's per-token log pi_old, log pi_ref and entropy (the first {@code length} of each). */
  public BatchMetrics addTokenStats(float[] oldLogProbs, float[] refLogProbs, float[] entropies, int length) {
    for (int t = 0; t < length; t++) {
      klRefK1.add(KlEstimator.K1.apply(oldLogProbs[t], refLogProbs[t]));
      klRefK3.add(KlEstimator.K3.apply(oldLogProbs[t], refLogProbs[t]));
      entropy.add(entropies[t]);
    }
    return this;
  }

  /** A response's advantages (the first {@code length}). */
  public BatchMetrics addAdvantages(double[] advantages, int length) {
    for (int t = 0; t < length; t++) {
      advantage.add(advantages[t]);
    }
    return this;
  }

  /** A response's re-check steps, when the task's step checker counted them. */
  public BatchMetrics addRechecks(Integer recheckSteps) {
    if (recheckSteps != null) {
      rechecks.add(recheckSteps);
    }
    return this;
  }

  /**
   * Credit localisation of a failed response whose first wrong token the task's step checker
   * found: how well its log-ratios and its advantages single that token out as the one to blame
   * ({@link #blameAuroc}). Responses that are right, have no located error or one token are skipped.
   */
  public BatchMetrics addLocalisation(double outcomeReward, Integer firstError, double[] logRatios, double[] advantages,
      int length) {
    if (outcomeReward > 0.5 || firstError == null || firstError < 0 || firstError >= length || length < 2) {
      return this;
    }
    localisedByLogRatio.add(blameAuroc(logRatios, firstError, length));
    localisedByAdvantage.add(blameAuroc(advantages, firstError, length));
    return this;
  }

  /**
   * The probability that the token at {@code wrong} has a lower value than another token of the
   * response picked at random (ties count half): the AUROC of "lowest value = the wrong token".
   * 1: the wrong token gets the least credit of all; 0.5: no information; 0: the most.
   */
  public static double blameAuroc(double[] values, int wrong, int length) {
    double wins = 0;
    for (int t = 0; t < length; t++) {
      if (t != wrong) {
        wins += values[wrong] < values[t] ? 1 : values[wrong] == values[t] ? 0.5 : 0;
      }
    }
    return wins / (length - 1);
  }

  public BatchMetrics merge(BatchMetrics o) {
    score.merge(o.score);
    responseLength.merge(o.responseLength);
    promptLength.merge(o.promptLength);
    advantage.merge(o.advantage);
    entropy.merge(o.entropy);
    klRefK1.merge(o.klRefK1);
    klRefK3.merge(o.klRefK3);
    rechecks.merge(o.rechecks);
    localisedByLogRatio.merge(o.localisedByLogRatio);
    localisedByAdvantage.merge(o.localisedByAdvantage);
    truncated += o.truncated;
    return this;
  }

  /** The metrics under their names; groups with nothing added are left out. */
  public Map<String, Double> toMap() {
    Map<String, Double> m = new LinkedHashMap<>();
    if (score.count() > 0) {
      m.put(MetricNames.SCORE_MEAN, score.mean());
      m.put(MetricNames.SCORE_MAX, score.max());
      m.put(MetricNames.SCORE_MIN, score.min());
      m.put(MetricNames.RESPONSE_LENGTH_MEAN, responseLength.mean());
      m.put(MetricNames.RESPONSE_LENGTH_MAX, responseLength.max());
      m.put(MetricNames.RESPONSE_LENGTH_MIN, responseLength.min());
      m.put(MetricNames.RESPONSE_LENGTH_CLIP_RATIO, (double) truncated / score.count());
      m.put(MetricNames.PROMPT_LENGTH_MEAN, promptLength.mean());
      m.put(MetricNames.PROMPT_LENGTH_MAX, promptLength.max());
      m.put(MetricNames.PROMPT_LENGTH_MIN, promptLength.min());
    }
    if (advantage.count() > 0) {
      m.put(MetricNames.ADVANTAGES_MEAN, advantage.mean());
      m.put(MetricNames.ADVANTAGES_MAX, advantage.max());
      m.put(MetricNames.ADVANTAGES_MIN, advantage.min());
    }
    if (entropy.count() > 0) {
      m.put(MetricNames.ACTOR_ENTROPY, entropy.mean());
      m.put(MetricNames.ACTOR_KL_REF, klRefK3.mean());
      m.put(MetricNames.ACTOR_KL_REF_K1, klRefK1.mean());
    }
    if (rechecks.count() > 0) {
      m.put(MetricNames.RESPONSE_RECHECKS_MEAN, rechecks.mean());
    }
    if (localisedByLogRatio.count() > 0) {
      m.put(MetricNames.CREDIT_LOCALISATION_LOG_RATIO, localisedByLogRatio.mean());
      m.put(MetricNames.CREDIT_LOCALISATION_ADVANTAGE, localisedByAdvantage.mean());
      m.put(MetricNames.CREDIT_LOCALISED_RESPONSES, (double) localisedByLogRatio.count());
    }
    return m;
  }

  /** Equal when they report the same metrics (what a Beam coder checks of a combiner's values). */
  @Override
  public boolean equals(Object o) {
    return o instanceof BatchMetrics b && truncated == b.truncated && toMap().equals(b.toMap());
  }

  @Override
  public int hashCode() {
    return toMap().hashCode();
  }
}
