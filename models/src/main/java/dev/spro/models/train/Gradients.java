package dev.spro.models.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.spro.models.nn.Scalars;
import java.util.Map;
import dev.spro.models.engine.DjlRuntime;

/**
 * Gradients of a model's parameters. The engine accumulates gradients across backward calls
 * (that is how micro-batches add up) and never zeroes them by itself: call {@link #zero} after
 * each optimizer step.
 */
public final class Gradients {
  private Gradients() {}

  /** Sets every parameter's gradient to zero. */
  public static void zero(Map<String, NDArray> params) {
    for (NDArray p : params.values()) {
      if (p.hasGradient()) {
        JniUtils.zeroGrad((PtNDArray) p);
      }
    }
  }

  /** The L2 norm of all gradients together, in double. */
  public static double globalNorm(Map<String, NDArray> params, NDManager scratch) {
    double sumSquares = 0;
    try (NDManager m = scratch.newSubManager()) {
      for (NDArray p : params.values()) {
        NDArray g = p.getGradient();
        g.attach(m);
        sumSquares += Scalars.value(g.square().sum());
      }
    }
    return Math.sqrt(sumSquares);
  }

  /**
   * Scales all gradients so their global norm is at most {@code maxNorm} (PyTorch's
   * clip_grad_norm_: factor {@code maxNorm / (norm + 1e-6)} when the norm exceeds it). Returns the
   * norm before clipping; a non-finite norm is an error, not a silent NaN step.
   */
  public static double clipGlobalNorm(Map<String, NDArray> params, double maxNorm, NDManager scratch) {
    double norm = globalNorm(params, scratch);
    double scale = clipScale(norm, maxNorm);
    if (scale != 1) {
      try (DjlRuntime.GradScope noGrad = DjlRuntime.noGrad(); NDManager m = scratch.newSubManager()) {
        for (NDArray p : params.values()) {
          NDArray g = p.getGradient();
          g.attach(m);
          g.muli(Scalars.of(g, scale));
        }
      }
    }
    return norm;
  }

  /**
   * The project's one clipping rule: the factor that brings a global gradient norm down to
   * {@code maxNorm} (1 when it is within it, or when {@code maxNorm} is 0: off). A non-finite norm
   * is refused: an optimizer step on it would write NaN weights.
   */
  public static double clipScale(double norm, double maxNorm) {
    if (!Double.isFinite(norm)) {
      throw new IllegalStateException("gradient norm is " + norm + ": refusing to take an optimizer step");
    }
    return maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
  }
}
