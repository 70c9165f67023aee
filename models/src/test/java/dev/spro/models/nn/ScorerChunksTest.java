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
}
