package dev.spro.transforms.stages;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * One shard's contribution to the gradient step, as claim checks: the gradient of its share of
 * the batch loss (already weighted, so shards add up) in one file per parameter slice ({@code
 * policy.get(slice)}; PRIME's reward model in {@code prm}), and weighted sums of the loss
 * diagnostics. A few hundred bytes, whatever the model's size.
 */
public record ShardGradient(
    int shard,
    List<TensorFile> policy,
    List<TensorFile> prm,
    LinkedHashMap<String, Double> diagnostics)
    implements Serializable {

  /** The slice files of {@code model} ({@link SliceUpdate#POLICY} or {@link SliceUpdate#PRM}). */
  List<TensorFile> of(String model) {
    return model.equals(SliceUpdate.POLICY) ? policy : prm;
  }
}
