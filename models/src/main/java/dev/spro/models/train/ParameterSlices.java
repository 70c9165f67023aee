package dev.spro.models.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The optimizer's parameters split into a fixed number of slices, ZeRO-1 style: each slice's
 * owner sums its part of the shard gradients, keeps its part of the fp32 master weights and Adam
 * moments, and updates it, so no worker holds more than about 1/slices of the optimizer state.
 * Whole tensors, in the model's parameter order, cut where the running element count passes the
 * next multiple of total/slices: a pure function of the parameter shapes and the slice count, so
 * every worker computes the same slices and the result does not depend on how many workers there
 * are. A slice may be empty when one tensor is larger than the others together.
 */
public final class ParameterSlices {
  private ParameterSlices() {}

  /** The parameter names of each of {@code count} slices, from {@code sizes} (name to elements, in model order). */
  public static List<List<String>> of(Map<String, Long> sizes, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("slices must be >= 1, got " + count);
    }
    long total = sizes.values().stream().mapToLong(Long::longValue).sum();
    List<List<String>> slices = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      slices.add(new ArrayList<>());
    }
    long seen = 0;
    int slice = 0;
    for (Map.Entry<String, Long> e : sizes.entrySet()) {
      // the slice whose share of the elements this tensor's middle falls into
      long middle = seen + e.getValue() / 2;
      while (slice < count - 1 && middle >= (total * (slice + 1)) / count) {
        slice++;
      }
      slices.get(slice).add(e.getKey());
      seen += e.getValue();
    }
    return slices;
  }
}
