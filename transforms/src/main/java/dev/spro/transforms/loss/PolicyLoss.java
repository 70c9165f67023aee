package dev.spro.transforms.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import dev.spro.transforms.metrics.MetricNames;
import java.util.LinkedHashMap;
import java.util.Map;
import dev.spro.models.nn.Scalars;

/**
 * The policy loss of SPRO, GRPO and PRIME: PPO's clipped surrogate with dual clip, plus optional
 * KL-to-reference penalty and entropy bonus.
 *
 * <pre>
 *   rho     = exp(clamp(log pi_theta - log pi_old, -20, 20))
 *   L1      = max(-A rho, -A clip(rho, 1 - clipLow, 1 + clipHigh))        PPO clip
 *   L       = A < 0 ? min(L1, -A dualClip) : L1                          dual clip (verl's clip_ratio_c)
 *   loss    = agg(L) + klCoef agg(KL(log pi_theta, log pi_ref)) - entropyCoef agg(H)
 * </pre>
 *
 * Diagnostics (masked means over valid tokens): {@code actor/pg_clipfrac} (the clip bound was
 * active), {@code actor/pg_clipfrac_lower} (the dual clip was), {@code actor/ppo_kl} (mean of
 * {@code log pi_old - log pi_theta}), {@code actor/entropy}, {@code actor/kl_loss}, and the mean
 * advantage.
 */
public final class PolicyLoss {
  private PolicyLoss() {}

  /**
   * @param logProbs log pi_theta of the response tokens, {@code [B, T]}, tracked by autograd
   * @param oldLogProbs log pi_old (the sampling policy), detached
   * @param advantages per-token advantages
   * @param mask 1 on response tokens, 0 on padding
   * @param refLogProbs log pi_ref, needed when {@code klCoef > 0} (may be null otherwise)
   * @param entropy per-token entropy of pi_theta (tracked), needed when {@code entropyCoef > 0};
   *     reported when given
   */
  public static LossResult compute(
      NDArray logProbs,
      NDArray oldLogProbs,
      NDArray advantages,
      NDArray mask,
      NDArray refLogProbs,
      NDArray entropy,
      PolicyLossConfig config) {
    NDArray logRatio = Scalars.clamp(logProbs.sub(oldLogProbs), -20, 20);
    NDArray ratio = logRatio.exp();
    NDArray negAdv = advantages.neg();
    NDArray unclipped = negAdv.mul(ratio);
    NDArray clipped = negAdv.mul(Scalars.clamp(ratio, 1 - config.clipLow(), 1 + config.clipHigh()));
    NDArray ppo = unclipped.maximum(clipped);
    NDArray dualBound = negAdv.mul(Scalars.of(negAdv, config.dualClip()));
    NDArray negative = advantages.lt(Scalars.of(advantages, 0));
    NDArray perToken = NDArrays.where(negative, ppo.minimum(dualBound), ppo);

    NDArray loss = config.aggregation().apply(perToken, mask, config.normLength());
    Map<String, Double> diagnostics = new LinkedHashMap<>();
    diagnostics.put(MetricNames.ACTOR_PG_LOSS, Scalars.value(loss));

    if (config.klCoef() > 0) {
      if (refLogProbs == null) {
        throw new IllegalArgumentException("klCoef > 0 needs the reference log-probs");
      }
      NDArray kl = config.aggregation().apply(
          config.klEstimator().apply(logProbs, refLogProbs), mask, config.normLength());
      loss = loss.add(kl.mul(Scalars.of(kl, config.klCoef())));
      diagnostics.put(MetricNames.ACTOR_KL_LOSS, Scalars.value(kl));
      diagnostics.put(MetricNames.ACTOR_KL_COEF, config.klCoef());
    }
    if (entropy != null) {
      NDArray h = config.aggregation().apply(entropy, mask, config.normLength());
      diagnostics.put(MetricNames.ACTOR_ENTROPY, Scalars.value(h));
      if (config.entropyCoef() > 0) {
        loss = loss.sub(h.mul(Scalars.of(h, config.entropyCoef())));
      }
    } else if (config.entropyCoef() > 0) {
      throw new IllegalArgumentException("entropyCoef > 0 needs the per-token entropy");
    }

    // Diagnostics on detached copies: they must not join the graph.
    NDArray m = mask.stopGradient();
    NDArray clippedActive = clipped.stopGradient().gt(unclipped.stopGradient()).toType(m.getDataType(), false);
    NDArray dualActive = ppo.stopGradient().gt(dualBound.stopGradient())
        .logicalAnd(negative).toType(m.getDataType(), false);
    diagnostics.put(MetricNames.ACTOR_PG_CLIPFRAC, Scalars.value(Scalars.maskedMean(clippedActive, m)));
    diagnostics.put(MetricNames.ACTOR_PG_CLIPFRAC_LOWER, Scalars.value(Scalars.maskedMean(dualActive, m)));
    diagnostics.put(MetricNames.ACTOR_PPO_KL, Scalars.value(Scalars.maskedMean(logRatio.stopGradient().neg(), m)));
    diagnostics.put(MetricNames.ACTOR_ADVANTAGE_MEAN, Scalars.value(Scalars.maskedMean(advantages.stopGradient(), m)));
    diagnostics.put(MetricNames.ACTOR_LOSS, Scalars.value(loss));
    return new LossResult(loss, diagnostics);
  }
}
