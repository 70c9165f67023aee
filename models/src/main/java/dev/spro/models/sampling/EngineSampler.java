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
 * cumulative sum (inverse-CDF sampling). A row's token therefore depends only on its own logits and
 * its own draw, never on its batchmates. The order of that cumulative sum:
 *
 * <ul>
 *   <li>Without truncation (top-k 0, top-p 1: verl's defaults for RL) in token-id order, over the
 *       row as it is: no sort at all. Sorting 151,669 values per row was three quarters of the
 *       sampler's time (45 of 62 ms per step of 8 rows on 2 cores).
 *   <li>With top-k or top-p, in descending order of probability (ties by token id), because the
 *       truncation needs that order anyway.
 * </ul>
 *
 * Either way the distribution is the same softmax; the arithmetic is the one of a plain loop in
 * double precision over the candidates in that order ({@code probs = exp(z - max)}, running sums),
 * which the tests check against such a loop.
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
      boolean truncates = p.topK() > 0 || p.topP() < 1;
      int keep = p.topK() > 0 ? (int) Math.min(p.topK(), vocab) : (int) vocab;
      // the candidates' values in the order the draw walks them: without truncation the row as it
      // is (id order, no sort); with it, descending (which of equal values sits where: idAtRank)
      NDArray ordered;
      if (!truncates) {
        ordered = z;
      } else if (keep < vocab) {
        ai.djl.ndarray.NDList top = z.topK(keep, 1, true, true);
        top.attach(m);
        ordered = top.get(0);
      } else {
        ordered = temp(m, temp(m, z.sort(1)).flip(1));
      }
      NDArray probs = temp(m, temp(m, ordered.sub(temp(m, z.max(new int[] {1}, true)))).exp());
      NDArray running = temp(m, probs.cumSum(1));
      long[] lastIndex = new long[rows];
      java.util.Arrays.fill(lastIndex, keep - 1L);
      NDArray last = temp(m, m.create(lastIndex, new Shape(rows, 1)));
      if (p.topP() < 1) {
        // the nucleus: candidates up to the first whose running share of the mass reaches top-p
        NDArray share = temp(m, temp(m, probs.div(temp(m, running.get(":, " + (keep - 1) + ":")))).cumSum(1));
        NDArray reached = temp(m, temp(m, share.lt(temp(m, m.create(p.topP())))).toType(DataType.INT64, false));
        NDArray below = temp(m, reached.sum(new int[] {1}, true));
        last = temp(m, below.minimum(last));
      }
      NDArray total = temp(m, running.gather(last, 1));
      NDArray threshold = temp(m, temp(m, m.create(u, new Shape(rows, 1))).mul(total));
      NDArray passed = temp(m, temp(m, temp(m, running.lte(threshold)).toType(DataType.INT64, false)).sum(new int[] {1}, true));
      // u * total can round up to total itself: the draw is then the last candidate, as the loop's would be
      NDArray chosen = temp(m, passed.minimum(last));
      NDArray tokens = truncates ? idAtRank(m, z, ordered, chosen) : chosen;
      NDArray logProb = temp(m, temp(m, temp(m, probs.gather(chosen, 1)).div(total)).log());
      return new Draw(ints(tokens.toLongArray()), floats(logProb));
    }
  }

  /**
   * The id at rank {@code rank} of each row of {@code z} in descending order with ties broken by
   * the lower id. The engine's sort is not stable, but the running sums of sorted probabilities —
   * and so the rank drawn — do not depend on how ties are ordered; only which of the tied ids sits
   * at that rank does. Among the ids whose value equals the value {@code v} at the rank, the one
   * asked for is the {@code (rank - #ids above v)}-th smallest: found with a running count over the
   * row, no second sort.
   */
  private static NDArray idAtRank(NDManager m, NDArray z, NDArray sorted, NDArray rank) {
    NDArray v = temp(m, sorted.gather(rank, 1));
    NDArray above = temp(m, temp(m, temp(m, z.gt(v)).toType(DataType.INT64, false)).sum(new int[] {1}, true));
    NDArray within = temp(m, rank.sub(above));
    NDArray equalSoFar = temp(m, temp(m, temp(m, z.eq(v)).toType(DataType.INT64, false)).cumSum(1));
    return temp(m, temp(m, temp(m, equalSoFar.lte(within)).toType(DataType.INT64, false)).sum(new int[] {1}, true));
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
