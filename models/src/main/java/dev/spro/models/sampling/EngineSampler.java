package dev.spro.models.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Draws the next token of every row from a batch of logits on the engine: temperature, top-k,
 * top-p (nucleus) and the softmax run there, in double precision, and only one token id and one
 * log-probability per row come back to Java — not {@code [rows, vocabulary]} floats, and no sort
 * of 151,936 boxed ids per token.
 *
 * <p>The randomness stays in Java: each row brings one uniform draw from its own seeded generator
 * ({@code u}), and the token is where {@code u} times the candidates' total mass falls in their
 * cumulative sum, candidates in descending order of probability (ties by token id). A row's token
 * therefore depends only on its own logits and its own draw, never on its batchmates. The
 * arithmetic is the one of a plain loop over the sorted candidates in double precision
 * ({@code probs = exp(z - max)}, running sums from the most probable), which the tests check
 * against such a loop.
 *
 * <p>Ids at or above {@link SamplingParams#vocabLimit} (a model's padding rows beyond its
 * tokenizer, e.g. Qwen's 151,665…151,935) are never drawn.
 */
final class EngineSampler {
  private EngineSampler() {}

  /** The tokens drawn for each row and their log-probabilities under the distribution they were drawn from. */
  record Draw(int[] tokens, float[] logProbs) {}

  /**
   * Draws from {@code logits} ({@code [rows, vocab]}); {@code u[i]} is row {@code i}'s uniform
   * draw in [0, 1) (unused when greedy). Temporaries are freed before it returns.
   */
  static Draw sample(NDArray logits, SamplingParams p, double[] u) {
    int rows = (int) logits.getShape().get(0);
    long vocab = logits.getShape().get(1);
    try (NDManager m = logits.getManager().newSubManager()) {
      NDArray z = logits;
      if (p.vocabLimit() > 0 && p.vocabLimit() < vocab) {
        z = z.get(":, 0:" + p.vocabLimit());
        z.attach(m);
        vocab = p.vocabLimit();
      }
      z = z.toType(DataType.FLOAT64, false);
      z.attach(m);
      if (p.isGreedy()) {
        // the first of the largest logits; its log-probability under the untempered softmax
        NDArray best = temp(m, temp(m, z.argMax(1)).reshape(rows, 1));
        NDArray max = temp(m, z.max(new int[] {1}, true));
        NDArray logSumExp = temp(m, temp(m, temp(m, temp(m, z.sub(max)).exp()).sum(new int[] {1}, true)).log()).add(max);
        NDArray logProb = temp(m, temp(m, z.gather(best, 1)).sub(logSumExp));
        return new Draw(ints(best.toLongArray()), floats(logProb));
      }
      // double constants: a Java number would reach the engine as a float (0.7f is not 0.7)
      z = temp(m, z.div(temp(m, m.create(p.temperature()))));
      NDArray order = temp(m, z.argSort(1, false));
      if (hasTies(temp(m, z.gather(order, 1)))) {
        order = byValueThenId(m, z);
      }
      int keep = p.topK() > 0 ? (int) Math.min(p.topK(), vocab) : (int) vocab;
      if (keep < vocab) {
        order = temp(m, order.get(":, 0:" + keep));
      }
      NDArray sorted = temp(m, z.gather(order, 1));
      NDArray probs = temp(m, temp(m, sorted.sub(temp(m, sorted.get(":, 0:1")))).exp());
      NDArray running = temp(m, probs.cumSum(1));
      long[] lastIndex = new long[rows];
      java.util.Arrays.fill(lastIndex, keep - 1L);
      NDArray last = temp(m, m.create(lastIndex, new Shape(rows, 1)));
      if (p.topP() < 1) {
        // the nucleus: candidates up to the first whose running share of the mass reaches top-p
        NDArray share = temp(m, temp(m, probs.div(temp(m, running.get(":, " + (keep - 1) + ":")))).cumSum(1));
        NDArray below = temp(m, temp(m, share.lt(temp(m, m.create(p.topP())))).toType(DataType.INT64, false).sum(new int[] {1}, true));
        last = temp(m, below.minimum(last));
      }
      NDArray total = temp(m, running.gather(last, 1));
      NDArray threshold = temp(m, temp(m, m.create(u, new Shape(rows, 1))).mul(total));
      NDArray passed = temp(m, temp(m, running.lte(threshold)).toType(DataType.INT64, false).sum(new int[] {1}, true));
      NDArray chosen = temp(m, passed.minimum(last));
      NDArray tokens = temp(m, order.gather(chosen, 1));
      NDArray logProb = temp(m, temp(m, temp(m, probs.gather(chosen, 1)).div(total)).log());
      return new Draw(ints(tokens.toLongArray()), floats(logProb));
    }
  }

  /** Whether a row of descending values holds two equal neighbours. */
  private static boolean hasTies(NDArray sorted) {
    long width = sorted.getShape().get(1);
    if (width < 2) {
      return false;
    }
    try (NDArray a = sorted.get(":, 1:"); NDArray b = sorted.get(":, :" + (width - 1)); NDArray eq = a.eq(b);
        NDArray any = eq.any()) {
      return any.getBoolean();
    }
  }

  /**
   * The descending order of {@code z}'s rows with ties broken by the lower id (the engine's sort
   * is not stable): every element gets a unique integer key, its value's rank among the batch's
   * distinct values above its id's reverse. Only rows with ties need it, so most steps skip it.
   */
  private static NDArray byValueThenId(NDManager m, NDArray z) {
    long rows = z.getShape().get(0);
    long vocab = z.getShape().get(1);
    long idBits = 64 - Long.numberOfLeadingZeros(vocab);
    NDArray rank = temp(m, temp(m, temp(m, z.reshape(-1)).unique(0, true, true, false).get(1)).reshape(rows, vocab));
    NDArray reverseId = temp(m, temp(m, m.arange(0L, vocab, 1L, ai.djl.ndarray.types.DataType.INT64)).neg()
        .add(temp(m, m.create((1L << idBits) - 1))));
    NDArray key = temp(m, temp(m, rank.mul(temp(m, m.create(1L << idBits)))).add(reverseId));
    return temp(m, key.argSort(1, false));
  }

  /** A temporary, freed with {@code m}. */
  private static NDArray temp(NDManager m, NDArray a) {
    a.attach(m);
    return a;
  }

  private static int[] ints(long[] ids) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  private static float[] floats(NDArray doubles) {
    double[] d = doubles.toDoubleArray();
    float[] out = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      out[i] = (float) d[i];
    }
    return out;
  }
}
