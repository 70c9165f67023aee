package dev.spro.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.EngineTestBase;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TransformerTest extends EngineTestBase {

  static ModelConfig config(String family) {
    return family.equals("qwen2") ? TinyModels.qwen2() : TinyModels.llama();
  }

  static List<int[]> randomSequences(long seed, int count, int minLen, int maxLen, int vocab) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] s = new int[minLen + rnd.nextInt(maxLen - minLen + 1)];
      for (int j = 0; j < s.length; j++) {
        s[j] = 3 + rnd.nextInt(vocab - 3);
      }
      out.add(s);
    }
    return out;
  }

  /** Logits at every valid column of a full forward pass, per row. */
  static float[][][] fullLogits(Transformer model, NDManager m, Layout layout) {
    try (NDManager s = m.newSubManager()) {
      NDArray logits = model.logits(model.hiddenStates(s, layout.tokens(), layout.positions(), layout.valid(), null));
      int b = layout.tokens().length;
      int t = layout.tokens()[0].length;
      int v = model.config().vocabSize();
      float[] flat = logits.toType(DataType.FLOAT32, false).toFloatArray();
      float[][][] out = new float[b][t][];
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < t; j++) {
          out[i][j] = Arrays.copyOfRange(flat, (i * t + j) * v, (i * t + j + 1) * v);
        }
      }
      return out;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2"})
  void incrementalDecodingWithTheCacheEqualsAFullForward(String family) {
    try (Transformer model = Transformer.initialize(config(family), 11, manager, DataType.FLOAT32)) {
      List<int[]> prompts = randomSequences(1, 3, 2, 6, model.config().vocabSize());
      List<int[]> responses = randomSequences(2, 3, 5, 5, model.config().vocabSize());
      Layout full = Layout.of(prompts, responses, 0);
      float[][][] reference = fullLogits(model, manager, full);
      int pw = full.promptWidth();
      try (NDManager m = manager.newSubManager(); KvCache cache = new KvCache(m, model.config().numHiddenLayers())) {
        // prefill the prompt columns, then one response column at a time
        int[][] tok = new int[3][];
        int[][] pos = new int[3][];
        boolean[][] valid = new boolean[3][];
        for (int i = 0; i < 3; i++) {
          tok[i] = Arrays.copyOf(full.tokens()[i], pw);
          pos[i] = Arrays.copyOf(full.positions()[i], pw);
          valid[i] = Arrays.copyOf(full.valid()[i], pw);
        }
        NDArray h = model.hiddenStates(m, tok, pos, valid, cache);
        float[] last = model.logits(h.get(":, " + (pw - 1))).toFloatArray();
        for (int i = 0; i < 3; i++) {
          assertClose(reference[i][pw - 1], Arrays.copyOfRange(last, i * 40 * 0 + i * model.config().vocabSize(),
              (i + 1) * model.config().vocabSize()), "prefill row " + i);
        }
        for (int step = 0; step < 5; step++) {
          int col = pw + step;
          for (int i = 0; i < 3; i++) {
            tok[i] = new int[] {full.tokens()[i][col]};
            pos[i] = new int[] {full.positions()[i][col]};
            valid[i] = Arrays.copyOf(full.valid()[i], col + 1);
          }
          float[] logits = model.logits(model.hiddenStates(m, tok, pos, valid, cache)).toFloatArray();
          int v = model.config().vocabSize();
          for (int i = 0; i < 3; i++) {
            assertClose(reference[i][col], Arrays.copyOfRange(logits, i * v, (i + 1) * v), "row " + i + " column " + col);
          }
        }
      }
    }
  }

  static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int k = 0; k < expected.length; k++) {
      assertEquals(expected[k], actual[k], 1e-5, what + " logit " + k);
    }
  }

  @Test
  void paddingAndBatchmatesDoNotChangeARowsLogits() {
    try (Transformer model = Transformer.initialize(TinyModels.llama(), 5, manager, DataType.FLOAT32)) {
      List<int[]> prompts = randomSequences(3, 4, 1, 9, 40);
      List<int[]> responses = randomSequences(4, 4, 1, 7, 40);
      Layout batch = Layout.of(prompts, responses, 0);
      float[][][] together = fullLogits(model, manager, batch);
      for (int i = 0; i < 4; i++) {
        Layout alone = Layout.of(List.of(prompts.get(i)), List.of(responses.get(i)), 0);
        float[][][] single = fullLogits(model, manager, alone);
        int shift = batch.promptWidth() - alone.promptWidth();
        for (int c = 0; c < alone.tokens()[0].length; c++) {
          if (alone.valid()[0][c]) {
            assertClose(single[0][c], together[i][c + shift], "row " + i + " column " + c);
          }
        }
      }
    }
  }

  /**
   * Grouped-query attention repeats kv head j for query heads j*g .. j*g+g-1 (HF's repeat_kv):
   * a 2-kv-head model equals a 4-kv-head model whose kv heads are copies laid out that way.
   */
  @Test
  void groupedQueryAttentionInterleavesLikeHuggingFace() {
    ModelConfig gqa = TinyModels.llama();
    ModelConfig mha = ModelConfig.builder().vocabSize(40).hiddenSize(32).intermediateSize(64).layers(2).heads(4)
        .kvHeads(4).maxPositions(128).tieWordEmbeddings(true).build();
    try (Transformer small = Transformer.initialize(gqa, 9, manager, DataType.FLOAT32)) {
      var tensors = new java.util.LinkedHashMap<String, dev.spro.models.checkpoint.SafeTensors.Tensor>();
      int d = gqa.headDim();
      for (var t : small.toTensors()) {
        if (t.name().contains("k_proj") || t.name().contains("v_proj")) {
          float[] v = t.values();
          int cols = (int) t.shape()[1];
          float[] wide = new float[4 * d * cols];
          for (int head = 0; head < 4; head++) {
            System.arraycopy(v, (head / 2) * d * cols, wide, head * d * cols, d * cols);
          }
          tensors.put(t.name(), new dev.spro.models.checkpoint.SafeTensors.Tensor(t.name(), t.dtype(),
              new long[] {4L * d, cols}, wide));
        } else {
          tensors.put(t.name(), t);
        }
      }
      try (Transformer wide = Transformer.fromTensors(mha, tensors, manager, DataType.FLOAT32)) {
        Layout layout = Layout.of(randomSequences(6, 2, 3, 7, 40), null, 0);
        float[][][] a = fullLogits(small, manager, layout);
        float[][][] b = fullLogits(wide, manager, layout);
        for (int i = 0; i < 2; i++) {
          for (int c = 0; c < a[i].length; c++) {
            if (layout.valid()[i][c]) {
              assertClose(a[i][c], b[i][c], "row " + i + " column " + c);
            }
          }
        }
      }
    }
  }

  /** Autograd gradients of every parameter tensor match central finite differences, in float64. */
  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2"})
  void gradientsMatchFiniteDifferences(String family) {
    try (Transformer model = Transformer.initialize(config(family), 21, manager, DataType.FLOAT64)) {
      List<int[]> prompts = randomSequences(7, 2, 2, 4, model.config().vocabSize());
      List<int[]> responses = randomSequences(8, 2, 2, 3, model.config().vocabSize());
      java.util.Map<String, double[]> grads = new java.util.LinkedHashMap<>();
      try (NDManager m = manager.newSubManager(); GradientCollector c = Engine.getInstance().newGradientCollector()) {
        NDArray loss = objective(model, m, prompts, responses);
        c.backward(loss);
        for (var e : model.parameters().entrySet()) {
          NDArray g = e.getValue().getGradient();
          grads.put(e.getKey(), g.toDoubleArray());
          g.close();
        }
      }
      dev.spro.models.train.Gradients.zero(model.parameters());
      SplittableRandom rnd = new SplittableRandom(1);
      double h = 1e-6;
      int checked = 0;
      for (var e : model.parameters().entrySet()) {
        NDArray p = e.getValue();
        int n = (int) p.size();
        for (int k = 0; k < 3; k++) {
          int idx = rnd.nextInt(n);
          double fd = (perturbed(model, p, idx, h, prompts, responses) - perturbed(model, p, idx, -h, prompts, responses)) / (2 * h);
          double g = grads.get(e.getKey())[idx];
          double err = Math.abs(fd - g) / Math.max(1e-6, Math.abs(fd) + Math.abs(g));
          assertTrue(err < 1e-3 || Math.abs(fd - g) < 1e-8,
              e.getKey() + "[" + idx + "]: autograd " + g + " vs finite difference " + fd);
          checked++;
        }
      }
      assertTrue(checked >= 3 * 15);
    }
  }

  /** A weighted sum of response log-probs: exercises every parameter through the logits. */
  static NDArray objective(Transformer model, NDManager m, List<int[]> prompts, List<int[]> responses) {
    Scorer.TokenScores s = Scorer.score(model, m, prompts, responses, 0);
    return s.logProbs().mul(s.mask()).sum().add(s.entropy().mul(s.mask()).sum().mul(Scalars.of(s.entropy(), 0.3)));
  }

  static double perturbed(Transformer model, NDArray p, int idx, double delta, List<int[]> prompts, List<int[]> responses) {
    double[] values = p.toDoubleArray();
    double original = values[idx];
    values[idx] = original + delta;
    p.set(java.nio.DoubleBuffer.wrap(values));
    try (NDManager m = model.parameters().values().iterator().next().getManager().newSubManager()) {
      return Scalars.value(objective(model, m, prompts, responses));
    } finally {
      values[idx] = original;
      p.set(java.nio.DoubleBuffer.wrap(values));
    }
  }
}
