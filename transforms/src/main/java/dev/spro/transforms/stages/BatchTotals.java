package dev.spro.transforms.stages;

import dev.spro.schemas.TrainingExample;
import java.io.Serializable;
import org.apache.beam.sdk.transforms.Combine;

/**
 * Responses, response tokens and the longest response of the whole batch: the denominators that
 * let each shard weight its share of the loss so the shards' gradients simply add up to the
 * gradient of the batch loss.
 */
public record BatchTotals(long sequences, long tokens, int maxResponseLength) implements Serializable {
  public static final BatchTotals EMPTY = new BatchTotals(0, 0, 0);

  public BatchTotals plus(BatchTotals o) {
    return new BatchTotals(sequences + o.sequences, tokens + o.tokens, Math.max(maxResponseLength, o.maxResponseLength));
  }

  public static BatchTotals of(TrainingExample e) {
    int n = e.getResponseTokenIds().size();
    return new BatchTotals(1, n, n);
  }

  /** Combines totals (for {@code Combine.globally}). */
  public static final class Fn extends Combine.BinaryCombineFn<BatchTotals> {
    @Override
    public BatchTotals apply(BatchTotals a, BatchTotals b) {
      return a.plus(b);
    }

    @Override
    public BatchTotals identity() {
      return EMPTY;
    }
  }
}
