package dev.spro.models.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The reference the engine sampler is checked against — the Java sampler this project used before
 * {@link EngineSampler}: one row of logits in double precision, temperature, then top-k, then
 * top-p (nucleus), then one uniform draw from the sequence's own generator, walking the candidates
 * sorted by probability (ties by token id) — or, with nothing truncated, in token-id order (the
 * engine sampler's order there: no sort).
 */
final class TokenSampler {
  private TokenSampler() {}

  /** Returns {token, log-prob bits as float}; see {@link Generation#samplerLogProbs()}. */
  static int sample(float[] logits, SamplingParams p, SplittableRandom rnd, float[] logProbOut) {
    int v = logits.length;
    if (p.isGreedy()) {
      int best = 0;
      for (int i = 1; i < v; i++) {
        if (logits[i] > logits[best]) {
          best = i;
        }
      }
      logProbOut[0] = (float) (logits[best] - logSumExp(logits, 1.0));
      return best;
    }
    double[] z = new double[v];
    for (int i = 0; i < v; i++) {
      z[i] = logits[i] / p.temperature();
    }
    Integer[] order = new Integer[v];
    for (int i = 0; i < v; i++) {
      order[i] = i;
    }
    boolean truncates = p.topK() > 0 || p.topP() < 1;
    if (truncates) {
      Arrays.sort(order, (a, b) -> z[a] != z[b] ? Double.compare(z[b], z[a]) : Integer.compare(a, b));
    }
    int keep = p.topK() > 0 ? Math.min(p.topK(), v) : v;
    double max = Arrays.stream(z).max().getAsDouble();
    double[] probs = new double[keep];
    double total = 0;
    for (int r = 0; r < keep; r++) {
      probs[r] = Math.exp(z[order[r]] - max);
      total += probs[r];
    }
    if (p.topP() < 1) {
      double cumulative = 0;
      int cut = keep;
      for (int r = 0; r < keep; r++) {
        cumulative += probs[r] / total;
        if (cumulative >= p.topP()) {
          cut = r + 1;
          break;
        }
      }
      keep = cut;
      total = 0;
      for (int r = 0; r < keep; r++) {
        total += probs[r];
      }
    }
    double u = rnd.nextDouble() * total;
    int chosen = keep - 1;
    double acc = 0;
    for (int r = 0; r < keep; r++) {
      acc += probs[r];
      if (u < acc) {
        chosen = r;
        break;
      }
    }
    logProbOut[0] = (float) Math.log(probs[chosen] / total);
    return order[chosen];
  }

  private static double logSumExp(float[] x, double scale) {
    double max = Double.NEGATIVE_INFINITY;
    for (float f : x) {
      max = Math.max(max, f / scale);
    }
    double s = 0;
    for (float f : x) {
      s += Math.exp(f / scale - max);
    }
    return max + Math.log(s);
  }
}
