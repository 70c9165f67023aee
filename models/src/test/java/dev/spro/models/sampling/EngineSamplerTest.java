package dev.spro.models.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.spro.models.EngineTestBase;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The engine sampler draws what a plain Java loop draws ({@link TokenSampler}, the Java sampler it
 * replaced, kept in the tests as the reference): the same token and log-probability for the same
 * logits and the same uniform draw, for greedy, plain, tempered, top-k, top-p and both — on rows
 * with a real vocabulary's width, with ties, and with rows that are almost one-hot — the draws
 * follow the softmax, and never an id at or above the vocabulary limit.
 */
class EngineSamplerTest extends EngineTestBase {
  private static final int VOCAB = 151_936;

  private static final List<SamplingParams> PARAMS = List.of(
      SamplingParams.greedy(8, Set.of()),
      new SamplingParams(1.0, 0, 1.0, 8, Set.of()),
      new SamplingParams(0.7, 0, 1.0, 8, Set.of()),
      new SamplingParams(1.0, 50, 1.0, 8, Set.of()),
      new SamplingParams(1.0, 0, 0.9, 8, Set.of()),
      new SamplingParams(0.6, 20, 0.95, 8, Set.of()));

  /** Rows of logits: spread like a language model's, flat with ties, and nearly one-hot. */
  private static float[][] rows(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] rows = new float[4][VOCAB];
    for (int i = 0; i < VOCAB; i++) {
      rows[0][i] = (float) (r.nextGaussian() * 3);
      rows[1][i] = (float) Math.floor(r.nextDouble() * 4); // four values: ties everywhere
      rows[2][i] = (float) (r.nextGaussian() * 0.5);
      rows[3][i] = -20f + (float) r.nextGaussian();
    }
    rows[3][12345] = 15f;
    return rows;
  }

  private static NDArray batch(NDManager m, float[][] rows) {
    float[] flat = new float[rows.length * VOCAB];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * VOCAB, VOCAB);
    }
    return m.create(flat, new Shape(rows.length, VOCAB));
  }

  @Test
  void theEngineDrawsWhatTheJavaReferenceDraws() {
    int draws = 0;
    for (long seed = 1; seed <= 2; seed++) {
      float[][] rows = rows(seed);
      for (SamplingParams p : PARAMS) {
        double[] u = new double[rows.length];
        int[] expected = new int[rows.length];
        float[] expectedLogProb = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
          // the reference consumes one draw of the row's generator; the engine is handed the same draw
          SplittableRandom g = new SplittableRandom(seed * 100 + i);
          u[i] = new SplittableRandom(seed * 100 + i).nextDouble();
          float[] lp = new float[1];
          expected[i] = TokenSampler.sample(rows[i], p, g, lp);
          expectedLogProb[i] = lp[0];
        }
        try (NDManager m = manager.newSubManager()) {
          EngineSampler.Draw d = EngineSampler.sample(batch(m, rows), p, u);
          for (int i = 0; i < rows.length; i++) {
            String where = p + ", seed " + seed + ", row " + i;
            assertEquals(expected[i], d.tokens()[i], where);
            // within a float's last bit; near 0 (a nearly one-hot row) within 1e-9: there the log-sum-exp adds
            // 151,935 terms below 1e-15 to 1, and the engine's pairwise sum keeps digits the Java loop loses
            assertEquals(expectedLogProb[i], d.logProbs()[i], Math.max(Math.ulp(expectedLogProb[i]), 1e-9), where);
            draws++;
          }
        }
      }
    }
    assertEquals(2 * PARAMS.size() * 4, draws);
  }

  /**
   * Uniform draws spread evenly over [0, 1) land on each token as often as its probability says:
   * inverse-CDF sampling in id order (untruncated) and in probability order (top-k keeping all).
   */
  @Test
  void theDrawsFollowTheSoftmax() {
    float[] logits = {0.3f, -1.2f, 2.0f, 0.3f, -4.0f, 1.1f};
    int n = 20_000;
    float[][] rows = new float[n][];
    double[] u = new double[n];
    for (int i = 0; i < n; i++) {
      rows[i] = logits;
      u[i] = (i + 0.5) / n;
    }
    for (SamplingParams p : List.of(new SamplingParams(1.0, 0, 1.0, 8, Set.of()),
        new SamplingParams(0.7, 0, 1.0, 8, Set.of()), new SamplingParams(1.0, logits.length, 1.0, 8, Set.of()))) {
      double[] probs = new double[logits.length];
      double total = 0;
      for (int j = 0; j < logits.length; j++) {
        probs[j] = Math.exp(logits[j] / p.temperature());
        total += probs[j];
      }
      int[] counts = new int[logits.length];
      try (NDManager m = manager.newSubManager()) {
        float[] flat = new float[n * logits.length];
        for (int i = 0; i < n; i++) {
          System.arraycopy(logits, 0, flat, i * logits.length, logits.length);
        }
        EngineSampler.Draw d = EngineSampler.sample(m.create(flat, new Shape(n, logits.length)), p, u);
        for (int i = 0; i < n; i++) {
          counts[d.tokens()[i]]++;
          assertEquals(Math.log(probs[d.tokens()[i]] / total), d.logProbs()[i], 1e-6, p + " row " + i);
        }
      }
      for (int j = 0; j < logits.length; j++) {
        // evenly spaced draws: each token's share is its probability to within one draw
        assertEquals(probs[j] / total, (double) counts[j] / n, 1.0 / n, p + " token " + j);
      }
    }
  }

  @Test
  void idsAtOrAboveTheVocabularyLimitAreNeverDrawn() {
    int limit = 151_665; // Qwen's tokenizer; the model pads its rows to 151,936
    float[][] rows = rows(7);
    for (float[] row : rows) {
      for (int i = limit; i < VOCAB; i++) {
        row[i] = 40f; // the padding rows would win every draw
      }
    }
    for (SamplingParams p : PARAMS) {
      double[] u = {0.999, 0.5, 0.0, 0.25};
      try (NDManager m = manager.newSubManager()) {
        EngineSampler.Draw d = EngineSampler.sample(batch(m, rows), p.withVocabLimit(limit), u);
        for (int t : d.tokens()) {
          assertTrue(t < limit, p + " drew padding id " + t);
        }
      }
    }
  }

  @Test
  void aRowsDrawDoesNotDependOnItsBatchmates() {
    float[][] rows = rows(11);
    SamplingParams p = new SamplingParams(0.8, 0, 0.95, 8, Set.of());
    double[] u = {0.31, 0.77, 0.05, 0.62};
    try (NDManager m = manager.newSubManager()) {
      EngineSampler.Draw all = EngineSampler.sample(batch(m, rows), p, u);
      for (int i = 0; i < rows.length; i++) {
        EngineSampler.Draw alone = EngineSampler.sample(batch(m, new float[][] {rows[i]}), p, new double[] {u[i]});
        assertEquals(all.tokens()[i], alone.tokens()[0], "row " + i);
        assertEquals(Float.floatToIntBits(all.logProbs()[i]), Float.floatToIntBits(alone.logProbs()[0]), "row " + i);
      }
    }
  }
}
