package dev.spro.transforms.stages;

import java.util.SplittableRandom;

/**
 * Which dataset rows make up iteration k's batch: epochs of a seeded permutation, cut into
 * batches of {@code batchSize} (a last partial batch is dropped). Everything follows from (run
 * seed, k), so a resumed run picks exactly the batches an uninterrupted one would.
 */
public final class DataCursor {
  private DataCursor() {}

  public static int batchesPerEpoch(int datasetSize, int batchSize) {
    if (batchSize <= 0 || datasetSize < batchSize) {
      throw new IllegalArgumentException("a batch of " + batchSize + " prompts needs at least that many rows; the dataset has "
          + datasetSize);
    }
    return datasetSize / batchSize;
  }

  /** Epoch and batch of iteration k. */
  public static int[] position(int iteration, int datasetSize, int batchSize) {
    int per = batchesPerEpoch(datasetSize, batchSize);
    return new int[] {iteration / per, iteration % per};
  }

  /** The project's one shuffle: 0..n-1 in a Fisher–Yates order drawn from {@code seed}. */
  public static int[] permutation(int n, long seed) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** Row indices of iteration k's batch. */
  public static int[] batch(long runSeed, int iteration, int datasetSize, int batchSize) {
    int[] pos = position(iteration, datasetSize, batchSize);
    int[] perm = permutation(datasetSize, Seeds.of(runSeed, "data-epoch", pos[0]));
    int[] out = new int[batchSize];
    System.arraycopy(perm, pos[1] * batchSize, out, 0, batchSize);
    return out;
  }
}
