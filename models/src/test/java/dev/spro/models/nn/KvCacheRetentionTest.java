package dev.spro.models.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.engine.DjlRuntime;
import java.lang.reflect.Field;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * During generation the key/value cache holds exactly its keys and values — two arrays per layer
 * — however many tokens were generated: the grouped-query repetition and the transposed keys of a
 * step belong to the step and are freed with it. (Before, they were attached to the cache's
 * manager: a full copy of every layer's keys and values per generated token, alive until the
 * batch ended.)
 */
class KvCacheRetentionTest {
  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2", "mha"})
  void theCacheHoldsTwoArraysPerLayerAfterEveryStep(String kind) throws Exception {
    ModelConfig config = switch (kind) {
      case "llama" -> TinyModels.llama();
      case "qwen2" -> TinyModels.qwen2();
      default -> ModelConfig.builder().vocabSize(40).hiddenSize(32).intermediateSize(64).layers(2).heads(4).kvHeads(4)
          .maxPositions(128).eosTokenId(2).build();
    };
    DjlRuntime.init(DjlRuntime.settings());
    try (NDManager m = Engine.getInstance().newBaseManager();
        Transformer model = Transformer.initialize(config, 1, m, DataType.FLOAT32);
        DjlRuntime.GradScope noGrad = DjlRuntime.noGrad();
        KvCache cache = new KvCache(m, config.numHiddenLayers())) {
      int past = 0;
      for (int step = 0; step < 12; step++) {
        int t = step == 0 ? 3 : 1; // a prefill of 3 tokens, then one token per step
        int[][] tokens = new int[1][t];
        int[][] positions = new int[1][t];
        boolean[][] valid = new boolean[1][past + t];
        for (int j = 0; j < t; j++) {
          tokens[0][j] = 3 + (step + j) % 30;
          positions[0][j] = past + j;
        }
        java.util.Arrays.fill(valid[0], true);
        try (NDManager stepManager = m.newSubManager()) {
          model.hiddenStates(stepManager, tokens, positions, valid, cache);
        }
        past += t;
        assertEquals(past, cache.length());
        assertEquals(2 * config.numHiddenLayers(), resources(cache.manager()), kind + ", after step " + step);
      }
    }
  }

  /**
   * An inference forward (no graph) frees each layer's intermediates once the layer's output
   * exists: what is left in the caller's manager does not grow with the number of layers. (Before,
   * every layer's attention scores and MLP activations stayed until the manager closed.)
   */
  @Test
  void anInferenceForwardKeepsNoLayersIntermediates() throws Exception {
    DjlRuntime.init(DjlRuntime.settings());
    int[] left = new int[2];
    for (int i = 0; i < 2; i++) {
      int layers = i == 0 ? 2 : 8;
      ModelConfig config = ModelConfig.builder().vocabSize(40).hiddenSize(32).intermediateSize(64).layers(layers).heads(4)
          .kvHeads(2).maxPositions(128).eosTokenId(2).build();
      try (NDManager m = Engine.getInstance().newBaseManager();
          Transformer model = Transformer.initialize(config, 1, m, DataType.FLOAT32);
          DjlRuntime.GradScope noGrad = DjlRuntime.noGrad();
          NDManager forward = m.newSubManager()) {
        int[][] tokens = {{3, 4, 5, 6}, {7, 8, 9, 10}};
        int[][] positions = {{0, 1, 2, 3}, {0, 1, 2, 3}};
        boolean[][] valid = {{true, true, true, true}, {true, true, true, true}};
        model.hiddenStates(forward, tokens, positions, valid, null);
        left[i] = resources(forward);
      }
    }
    assertEquals(left[0], left[1], "arrays left after a forward of 2 and of 8 layers");
  }

  /** Arrays (and sub-managers) a manager holds: DJL keeps them in a protected map. */
  static int resources(NDManager manager) throws Exception {
    Field f = BaseNDManager.class.getDeclaredField("resources");
    f.setAccessible(true);
    return ((Map<?, ?>) f.get(manager)).size();
  }
}
