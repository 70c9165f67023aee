package dev.spro.models.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.engine.DjlRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import ai.djl.training.GradientCollector;
import dev.spro.models.train.Gradients;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With the real Qwen vocabulary (151,936) a batch's logits do not fit one chunk, so the scorer
 * computes them a chunk of response columns at a time: the log-probs and entropies are those of
 * one full {@code [rows, T, vocab]} softmax, computed here directly as the reference.
 */
class ScorerChunksTest {
  @Test
  void chunkedScoresEqualTheFullSoftmaxAtTheRealVocabulary() {
    ModelConfig config = ModelConfig.builder().modelType("qwen2").vocabSize(151_936).hiddenSize(16).intermediateSize(32)
        .layers(1).heads(2).kvHeads(1).maxPositions(256).eosTokenId(2).build();
    int rows = 4;
    int responseLength = 90;
    long columnsPerChunk = Scorer.CHUNK_ELEMENTS / ((long) rows * config.vocabSize());
    assertTrue(columnsPerChunk < responseLength, "the batch spans several chunks (" + columnsPerChunk + " columns each)");
    SplittableRandom rnd = new SplittableRandom(5);
    List<int[]> prompts = new ArrayList<>();
    List<int[]> responses = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      prompts.add(rnd.ints(5 + i, 3, 151_000).toArray());
      responses.add(rnd.ints(responseLength - 7 * i, 3, 151_000).toArray());
    }
    DjlRuntime.init(DjlRuntime.settings());
    try (NDManager m = Engine.getInstance().newBaseManager();
        Transformer model = Transformer.initialize(config, 3, m, DataType.FLOAT32)) {
      float[][][] chunked = Scorer.scoreToArrays(model, m, prompts, responses, 0);
      try (DjlRuntime.GradScope noGrad = DjlRuntime.noGrad(); NDManager s = m.newSubManager()) {
        Layout layout = Layout.of(prompts, responses, 0);
        int pw = layout.promptWidth();
        int rw = layout.responseWidth();
        NDArray hidden = model.hiddenStates(s, layout.tokens(), layout.positions(), layout.valid(), null);
        NDArray logp = model.logits(hidden.get(":, " + (pw - 1) + ":" + (pw - 1 + rw))).logSoftmax(-1);
        float[] full = logp.toFloatArray();
        float[] entropy = logp.exp().mul(logp).sum(new int[] {2}).neg().toFloatArray();
        assertEquals(new Shape(rows, rw, config.vocabSize()), logp.getShape());
        for (int i = 0; i < rows; i++) {
          int[] r = responses.get(i);
          assertEquals(r.length, chunked[0][i].length);
          for (int j = 0; j < r.length; j++) {
            float expected = full[(int) (((long) i * rw + j) * config.vocabSize() + r[j])];
            assertEquals(expected, chunked[0][i][j], 1e-5, "log-prob row " + i + " column " + j);
            assertEquals(entropy[i * rw + j], chunked[1][i][j], 1e-4, "entropy row " + i + " column " + j);
          }
        }
      }
    }
  }

  /**
   * The gradient step's chunked backward (the output layer recomputed a chunk at a time, one
   * chunk of logits alive) gives the gradient of the plain backward through all the chunks, for a
   * loss of the log-probs and the entropies.
   */
  @Test
  void theChunkedBackwardGivesThePlainGradient() {
    ModelConfig config = ModelConfig.builder().modelType("qwen2").vocabSize(151_936).hiddenSize(16).intermediateSize(32)
        .layers(1).heads(2).kvHeads(1).maxPositions(256).eosTokenId(2).build();
    SplittableRandom rnd = new SplittableRandom(9);
    List<int[]> prompts = List.of(rnd.ints(6, 3, 151_000).toArray(), rnd.ints(3, 3, 151_000).toArray());
    List<int[]> responses = List.of(rnd.ints(130, 3, 151_000).toArray(), rnd.ints(101, 3, 151_000).toArray());
    DjlRuntime.init(DjlRuntime.settings());
    try (NDManager m = Engine.getInstance().newBaseManager();
        Transformer model = Transformer.initialize(config, 4, m, DataType.FLOAT32)) {
      assertTrue(Scorer.needsChunks(model, 2, 130), "the batch spans several chunks");
      // a loss of both: mean log-prob of the response tokens and a small entropy bonus
      java.util.function.Function<Scorer.TokenScores, NDArray> loss = s -> Scalars.maskedMean(s.logProbs(), s.mask()).neg()
          .sub(Scalars.maskedMean(s.entropy(), s.mask()).mul(Scalars.of(s.entropy(), 0.01)));
      Map<String, float[]> plain = new java.util.TreeMap<>();
      try (NDManager s = m.newSubManager(); GradientCollector c = Engine.getInstance().newGradientCollector()) {
        c.backward(loss.apply(Scorer.score(model, s, prompts, responses, 0, true, false)));
      }
      model.parameters().forEach((n, p) -> plain.put(n, p.getGradient().toFloatArray()));
      Gradients.zero(model.parameters());
      try (NDManager s = m.newSubManager(); GradientCollector c = Engine.getInstance().newGradientCollector()) {
        Scorer.backward(model, s, prompts, responses, true, loss, x -> x, c);
      }
      for (Map.Entry<String, float[]> e : plain.entrySet()) {
        float[] chunked = model.parameters().get(e.getKey()).getGradient().toFloatArray();
        float scale = 0;
        for (float v : e.getValue()) {
          scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(scale > 0, e.getKey() + " has a gradient");
        for (int i = 0; i < chunked.length; i++) {
          assertEquals(e.getValue()[i], chunked[i], 1e-4 * scale, e.getKey() + "[" + i + "]");
        }
      }
    }
  }
}
