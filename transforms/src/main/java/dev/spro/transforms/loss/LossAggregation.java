package dev.spro.transforms.loss;

import ai.djl.ndarray.NDArray;
import dev.spro.models.nn.Scalars;

/**
 * How per-token losses become one number (verl's {@code loss_agg_mode}), over valid tokens only:
 *
 * <pre>
 *   token-mean               sum_{i,t} L m / sum_{i,t} m                   every token weighs the same
 *   seq-mean-token-sum       mean_i sum_t L m                              long responses weigh more
 *   seq-mean-token-mean      mean_i (sum_t L m / sum_t m)                  every response weighs the same (SPRO's 1/|y|)
 *   seq-mean-token-sum-norm  sum_{i,t} L m / normLength                    Dr.GRPO: a constant divisor
 * </pre>
 */
public enum LossAggregation {
  TOKEN_MEAN("token-mean"),
  SEQ_MEAN_TOKEN_SUM("seq-mean-token-sum"),
  SEQ_MEAN_TOKEN_MEAN("seq-mean-token-mean"),
  SEQ_MEAN_TOKEN_SUM_NORM("seq-mean-token-sum-norm");

  private final String configName;

  LossAggregation(String configName) {
    this.configName = configName;
  }

  /** The name used in configs and by verl. */
  public String configName() {
    return configName;
  }

  /**
   * Aggregates {@code loss} ({@code [B, T]}) over the tokens where {@code mask} is 1.
   *
   * @param normLength divisor of {@code seq-mean-token-sum-norm}; 0 means the mask's width T
   */
  public NDArray apply(NDArray loss, NDArray mask, int normLength) {
    NDArray masked = loss.mul(mask);
    return switch (this) {
      case TOKEN_MEAN -> Scalars.maskedMean(loss, mask);
      case SEQ_MEAN_TOKEN_SUM -> masked.sum(new int[] {1}).mean();
      case SEQ_MEAN_TOKEN_MEAN -> masked.sum(new int[] {1}).div(mask.sum(new int[] {1})).mean();
      case SEQ_MEAN_TOKEN_SUM_NORM -> masked.sum().div(
          Scalars.of(loss, normLength > 0 ? normLength : mask.getShape().get(1)));
    };
  }
}
