package dev.spro.transforms.loss;

import java.io.Serializable;

/**
 * The knobs of {@link PolicyLoss}. Defaults are SPRO's: PPO clip 0.2 both sides, dual clip 3,
 * {@code seq-mean-token-mean}, no KL penalty, no entropy bonus.
 *
 * @param clipLow ratio lower bound is {@code 1 - clipLow}
 * @param clipHigh ratio upper bound is {@code 1 + clipHigh}
 * @param dualClip for negative advantages the loss is at most {@code -A * dualClip} (verl's clip_ratio_c)
 * @param aggregation how token losses become one number
 * @param normLength divisor for {@code seq-mean-token-sum-norm} (0: the batch's padded width)
 * @param klCoef weight of the KL-to-reference penalty (0: off)
 * @param klEstimator which KL estimator the penalty uses
 * @param entropyCoef weight of the entropy bonus (0: off)
 */
public record PolicyLossConfig(
    double clipLow,
    double clipHigh,
    double dualClip,
    LossAggregation aggregation,
    int normLength,
    double klCoef,
    KlEstimator klEstimator,
    double entropyCoef)
    implements Serializable {

  public PolicyLossConfig {
    if (!(clipLow > 0 && clipLow < 1) || !(clipHigh > 0)) {
      throw new IllegalArgumentException("clip bounds must satisfy 0 < clipLow < 1 and clipHigh > 0");
    }
    if (!(dualClip > 1)) {
      throw new IllegalArgumentException("dualClip must be > 1, was " + dualClip);
    }
    if (!(klCoef >= 0) || !(entropyCoef >= 0)) {
      throw new IllegalArgumentException("klCoef and entropyCoef must be >= 0");
    }
  }

  public static PolicyLossConfig defaults() {
    return new PolicyLossConfig(0.2, 0.2, 3.0, LossAggregation.SEQ_MEAN_TOKEN_MEAN, 0, 0.0, KlEstimator.K3, 0.0);
  }

  public PolicyLossConfig withAggregation(LossAggregation a) {
    return new PolicyLossConfig(clipLow, clipHigh, dualClip, a, normLength, klCoef, klEstimator, entropyCoef);
  }

  public PolicyLossConfig withKl(double coef, KlEstimator estimator) {
    return new PolicyLossConfig(clipLow, clipHigh, dualClip, aggregation, normLength, coef, estimator, entropyCoef);
  }

  public PolicyLossConfig withEntropyCoef(double coef) {
    return new PolicyLossConfig(clipLow, clipHigh, dualClip, aggregation, normLength, klCoef, klEstimator, coef);
  }
}
