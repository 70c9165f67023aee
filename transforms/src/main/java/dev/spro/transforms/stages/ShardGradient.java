package dev.spro.transforms.stages;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One shard's contribution to the gradient step: the gradient of its share of the batch loss for
 * every parameter (already weighted, so shards add up), and weighted sums of the loss
 * diagnostics. PRIME adds its reward model's gradients.
 */
public record ShardGradient(
    int shard,
    LinkedHashMap<String, float[]> policy,
    LinkedHashMap<String, float[]> prm,
    LinkedHashMap<String, Double> diagnostics)
    implements Serializable {

  /** Adds {@code b} into {@code a}, element by element, in double precision. */
  static void accumulate(Map<String, double[]> a, Map<String, float[]> b) {
    for (Map.Entry<String, float[]> e : b.entrySet()) {
      double[] sum = a.computeIfAbsent(e.getKey(), k -> new double[e.getValue().length]);
      float[] g = e.getValue();
      for (int i = 0; i < g.length; i++) {
        sum[i] += g[i];
      }
    }
  }
}
