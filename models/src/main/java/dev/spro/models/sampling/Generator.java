package dev.spro.models.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.spro.models.nn.KvCache;
import dev.spro.models.nn.Layout;
import dev.spro.models.nn.Transformer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import dev.spro.models.engine.DjlRuntime;

/**
 * Batched sampling with a key/value cache: one forward over the left-padded prompts (prefill),
 * then one token per step for every unfinished sequence. Gradient recording is off on the
 * calling thread for the duration (torch's grad mode is per thread and on in new threads).
 */
public final class Generator {
  private Generator() {}

  /**
   * Samples one response per prompt; sequence {@code i} draws from a generator seeded with
   * {@code seeds[i]}.
   */
  public static List<Generation> generate(Transformer model, NDManager parent, List<int[]> prompts, long[] seeds,
      SamplingParams params, int pad) {
    if (prompts.size() != seeds.length) {
      throw new IllegalArgumentException(prompts.size() + " prompts but " + seeds.length + " seeds");
    }
    int b = prompts.size();
    int maxContext = model.config().maxPositionEmbeddings();
    for (int i = 0; i < b; i++) {
      if (prompts.get(i).length + params.maxNewTokens() > maxContext) {
        throw new IllegalArgumentException("prompt " + i + " has " + prompts.get(i).length + " tokens; with "
            + params.maxNewTokens() + " new tokens it exceeds the model's context of " + maxContext);
      }
    }
    try (DjlRuntime.GradScope noGrad = DjlRuntime.noGrad();
        NDManager m = parent.newSubManager();
        KvCache cache = new KvCache(m, model.config().numHiddenLayers())) {
      Layout layout = Layout.of(prompts, null, pad);
      SplittableRandom[] rngs = new SplittableRandom[b];
      List<List<Integer>> tokens = new ArrayList<>();
      List<List<Float>> logProbs = new ArrayList<>();
      boolean[] done = new boolean[b];
      boolean[] stopped = new boolean[b];
      int[] nextPosition = new int[b];
      for (int i = 0; i < b; i++) {
        rngs[i] = new SplittableRandom(seeds[i]);
        tokens.add(new ArrayList<>());
        logProbs.add(new ArrayList<>());
        nextPosition[i] = prompts.get(i).length;
      }
      // each step's logits live on the engine until its tokens are drawn, then go with its manager
      NDManager step = m.newSubManager();
      NDArray logits = lastLogits(model, step, layout.tokens(), layout.positions(), layout.valid(), cache);
      try {
        for (int t = 0; t < params.maxNewTokens(); t++) {
          double[] u = new double[b];
          for (int i = 0; i < b; i++) {
            if (!done[i] && !params.isGreedy()) {
              u[i] = rngs[i].nextDouble();
            }
          }
          EngineSampler.Draw draw = EngineSampler.sample(logits, params, u);
          step.close();
          int[][] next = new int[b][1];
          int[][] pos = new int[b][1];
          int remaining = 0;
          for (int i = 0; i < b; i++) {
            if (!done[i]) {
              int token = draw.tokens()[i];
              tokens.get(i).add(token);
              logProbs.get(i).add(draw.logProbs()[i]);
              if (params.stopTokens().contains(token)) {
                done[i] = true;
                stopped[i] = true;
              }
              next[i][0] = token;
            } else {
              next[i][0] = pad;
            }
            pos[i][0] = nextPosition[i]++;
            if (!done[i]) {
              remaining++;
            }
          }
          if (remaining == 0 || t == params.maxNewTokens() - 1) {
            break;
          }
          // Finished rows keep stepping (batch shapes stay fixed) but their new column is padding.
          boolean[][] valid = new boolean[b][];
          for (int i = 0; i < b; i++) {
            boolean[] row = Arrays.copyOf(layout.valid()[i], layout.valid()[i].length + t + 1);
            for (int s = 0; s <= t; s++) {
              row[layout.valid()[i].length + s] = s < tokens.get(i).size();
            }
            valid[i] = row;
          }
          step = m.newSubManager();
          logits = lastLogits(model, step, next, pos, valid, cache);
        }
      } finally {
        step.close();
      }
      List<Generation> out = new ArrayList<>(b);
      for (int i = 0; i < b; i++) {
        int[] t = tokens.get(i).stream().mapToInt(Integer::intValue).toArray();
        float[] l = new float[t.length];
        for (int j = 0; j < l.length; j++) {
          l[j] = logProbs.get(i).get(j);
        }
        out.add(new Generation(t, l, stopped[i]));
      }
      return out;
    }
  }

  /** One forward step in {@code step}; the last column's logits, {@code [rows, vocab]}, on the engine. */
  private static NDArray lastLogits(Transformer model, NDManager step, int[][] tokens, int[][] positions,
      boolean[][] valid, KvCache cache) {
    NDArray hidden = model.hiddenStates(step, tokens, positions, valid, cache);
    long t = hidden.getShape().get(1);
    NDArray last = hidden.get(":, " + (t - 1));
    last.attach(step);
    NDArray logits = model.logits(last).toType(DataType.FLOAT32, false);
    logits.attach(step);
    return logits;
  }
}
