package dev.spro.transforms.loss;

import ai.djl.ndarray.NDArray;
import dev.spro.transforms.metrics.MetricNames;
import java.util.LinkedHashMap;
import java.util.Map;
import dev.spro.models.nn.Scalars;

/**
 * PRIME's implicit process reward model is trained online with a cross-entropy loss on outcome
 * labels:
 *
 * <pre>
 *   z[i]  = beta * sum_t m[i][t] (log pi_phi - log pi_ref)(y[i][t])       the response's implicit reward
 *   loss  = mean_i BCE(sigmoid(z[i]), r_o[i])  =  mean_i softplus(z[i]) - r_o[i] z[i]
 * </pre>
 *
 * (softplus computed stably as {@code max(z, 0) + log(1 + exp(-|z|))}). Diagnostics: the loss
 * and the accuracy of {@code z > 0} as a prediction of {@code r_o > 0.5}.
 */
public final class PrimeRewardModelLoss {
  private PrimeRewardModelLoss() {}

  /**
   * @param prmLogProbs log pi_phi of the response tokens, {@code [B, T]}, tracked
   * @param refLogProbs log pi_ref, detached
   * @param mask 1 on response tokens
   * @param outcomes outcome rewards in [0, 1], {@code [B]}
   * @param beta PRIME's beta (0.05 in the paper)
   */
  public static LossResult compute(NDArray prmLogProbs, NDArray refLogProbs, NDArray mask, NDArray outcomes, double beta) {
    NDArray z = prmLogProbs.sub(refLogProbs).mul(mask).sum(new int[] {1}).mul(Scalars.of(mask, beta));
    NDArray softplus = z.maximum(Scalars.of(z, 0)).add(z.abs().neg().exp().add(Scalars.of(z, 1)).log());
    NDArray loss = softplus.sub(outcomes.mul(z)).mean();
    Map<String, Double> diagnostics = new LinkedHashMap<>();
    diagnostics.put(MetricNames.PRM_LOSS, Scalars.value(loss));
    NDArray predicted = z.stopGradient().gt(Scalars.of(z, 0));
    NDArray label = outcomes.gt(Scalars.of(outcomes, 0.5));
    diagnostics.put(MetricNames.PRM_ACCURACY, Scalars.value(predicted.eq(label).toType(mask.getDataType(), false).mean()));
    return new LossResult(loss, diagnostics);
  }
}
