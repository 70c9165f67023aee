package dev.spro.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Constants as tensors, in the dtype and on the manager of the array they meet. (DJL's
 * arithmetic with Java numbers reads freed memory in backward; with tensors it is correct.)
 */
public final class Scalars {
  private Scalars() {}

  /** A 0-d tensor holding {@code value}, of {@code like}'s dtype and manager. */
  public static NDArray of(NDArray like, double value) {
    return like.getDataType() == DataType.FLOAT64
        ? like.getManager().create(value)
        : like.getManager().create((float) value);
  }

  /** {@code x} clamped to {@code [lo, hi]} with tensor constants. */
  public static NDArray clamp(NDArray x, double lo, double hi) {
    return x.maximum(of(x, lo)).minimum(of(x, hi));
  }

  /** {@code sum(x * mask) / (sum(mask) + 1e-8)} — verl's masked mean, as a 0-d tensor. */
  public static NDArray maskedMean(NDArray x, NDArray mask) {
    return x.mul(mask).sum().div(mask.sum().add(of(mask, 1e-8)));
  }

  /** The value of a 0-d (or single-element) array as a double. */
  public static double value(NDArray x) {
    return x.toType(DataType.FLOAT64, false).getDouble();
  }
}
