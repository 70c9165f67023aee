package dev.spro.transforms.loss;

import ai.djl.ndarray.NDArray;
import java.util.Locale;
import dev.spro.models.nn.Scalars;

/**
 * Per-token estimators of KL(pi || pi_ref) from sampled tokens, with {@code d = log pi - log
 * pi_ref}:
 *
 * <pre>
 *   k1  d                                           unbiased, high variance, can be negative
 *   k2  d^2 / 2                                     verl's "mse"
 *   k3  exp(-d') + d' - 1, d' = clamp(d, -20, 20),  verl's "low_var_kl": unbiased, >= 0;
 *       result clamped to [-10, 10]
 * </pre>
 */
public enum KlEstimator {
  K1,
  K2,
  K3;

  public static KlEstimator of(String name) {
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "k1", "kl" -> K1;
      case "k2", "mse" -> K2;
      case "k3", "low_var_kl" -> K3;
      default -> throw new IllegalArgumentException("unknown KL estimator '" + name + "'; known: k1, k2, k3 (low_var_kl)");
    };
  }

  /** Per-token KL estimate, elementwise over {@code logProbs} and {@code refLogProbs}. */
  public NDArray apply(NDArray logProbs, NDArray refLogProbs) {
    NDArray d = logProbs.sub(refLogProbs);
    return switch (this) {
      case K1 -> d;
      case K2 -> d.square().mul(Scalars.of(d, 0.5));
      case K3 -> {
        NDArray c = Scalars.clamp(d, -20, 20);
        yield Scalars.clamp(c.neg().exp().add(c).sub(Scalars.of(c, 1)), -10, 10);
      }
    };
  }

  /** The same estimate for one token, in plain Java (for metrics computed outside DJL). */
  public double apply(double logProb, double refLogProb) {
    double d = logProb - refLogProb;
    return switch (this) {
      case K1 -> d;
      case K2 -> 0.5 * d * d;
      case K3 -> {
        double c = Math.max(-20, Math.min(20, d));
        yield Math.max(-10, Math.min(10, Math.exp(-c) + c - 1));
      }
    };
  }
}
