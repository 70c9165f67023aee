package dev.spro.models.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import dev.spro.models.EngineTestBase;
import dev.spro.models.nn.Scorer;
import dev.spro.models.nn.TinyModels;
import dev.spro.models.nn.Transformer;
import dev.spro.models.train.Gradients;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GeneratorTest extends EngineTestBase {
  static final SamplingParams SAMPLE = new SamplingParams(1.0, 0, 1.0, 12, Set.of(2));
  Transformer model;

  @BeforeEach
  void createModel() {
    model = Transformer.initialize(TinyModels.llama(), 17, manager, DataType.FLOAT32);
  }

  @AfterEach
  void closeModel() {
    model.close();
  }

  static final List<int[]> PROMPTS = List.of(new int[] {5, 6, 7}, new int[] {8}, new int[] {9, 10, 11, 12, 13, 14}, new int[] {15, 16});

  @Test
  void sameSeedsSameSamples() {
    long[] seeds = {1, 2, 3, 4};
    List<Generation> a = Generator.generate(model, manager, PROMPTS, seeds, SAMPLE, 0);
    List<Generation> b = Generator.generate(model, manager, PROMPTS, seeds, SAMPLE, 0);
    for (int i = 0; i < 4; i++) {
      assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
      assertArrayEquals(a.get(i).samplerLogProbs(), b.get(i).samplerLogProbs());
    }
    List<Generation> c = Generator.generate(model, manager, PROMPTS, new long[] {11, 12, 13, 14}, SAMPLE, 0);
    boolean differs = false;
    for (int i = 0; i < 4; i++) {
      differs |= !java.util.Arrays.equals(a.get(i).tokens(), c.get(i).tokens());
    }
    assertTrue(differs, "other seeds should give other samples");
  }

  /** A sequence's sample depends on its prompt and seed, not on its batchmates or their lengths. */
  @Test
  void samplesDoNotDependOnTheRestOfTheBatch() {
    List<Generation> batch = Generator.generate(model, manager, PROMPTS, new long[] {1, 2, 3, 4}, SAMPLE, 0);
    for (int i = 0; i < 4; i++) {
      Generation alone = Generator.generate(model, manager, List.of(PROMPTS.get(i)), new long[] {i + 1}, SAMPLE, 0).get(0);
      assertArrayEquals(alone.tokens(), batch.get(i).tokens(), "sequence " + i);
      assertArrayEquals(alone.samplerLogProbs(), batch.get(i).samplerLogProbs(), 1e-4f, "sequence " + i);
      assertEquals(alone.stopped(), batch.get(i).stopped());
    }
    // The same prompt and seed placed next to different company, in another position.
    Generation moved = Generator.generate(model, manager, List.of(new int[] {20, 21, 22, 23, 24, 25, 26, 27}, PROMPTS.get(0)),
        new long[] {99, 1}, SAMPLE, 0).get(1);
    assertArrayEquals(batch.get(0).tokens(), moved.tokens());
  }

  /** Greedy decoding's log-probs are the scorer's log-probs of the same tokens. */
  @Test
  void greedyLogProbsAgreeWithScoring() {
    List<Generation> g = Generator.generate(model, manager, PROMPTS, new long[4], SamplingParams.greedy(8, Set.of(2)), 0);
    float[][][] scored = Scorer.scoreToArrays(model, manager, PROMPTS, g.stream().map(Generation::tokens).toList(), 0);
    for (int i = 0; i < 4; i++) {
      assertArrayEquals(g.get(i).samplerLogProbs(), scored[0][i], 1e-4f, "sequence " + i);
      for (float h : scored[1][i]) {
        assertTrue(h >= 0 && h <= Math.log(40) + 1e-4, "entropy " + h);
      }
    }
  }

  @Test
  void topKOneAndTinyTopPAreGreedy() {
    List<Generation> greedy = Generator.generate(model, manager, PROMPTS, new long[] {1, 2, 3, 4}, SamplingParams.greedy(8, Set.of()), 0);
    for (SamplingParams p : List.of(new SamplingParams(1.3, 1, 1.0, 8, Set.of()), new SamplingParams(0.7, 0, 1e-9, 8, Set.of()))) {
      List<Generation> g = Generator.generate(model, manager, PROMPTS, new long[] {5, 6, 7, 8}, p, 0);
      for (int i = 0; i < 4; i++) {
        assertArrayEquals(greedy.get(i).tokens(), g.get(i).tokens());
        for (float lp : g.get(i).samplerLogProbs()) {
          assertEquals(0f, lp, 1e-6f, "a one-token distribution has log-prob 0");
        }
      }
    }
  }

  @Test
  void stopTokensAndLengthLimit() {
    // Make every token a stop token: each response is exactly one token and stopped.
    Set<Integer> all = new java.util.HashSet<>();
    for (int t = 0; t < 40; t++) {
      all.add(t);
    }
    for (Generation g : Generator.generate(model, manager, PROMPTS, new long[] {1, 2, 3, 4}, new SamplingParams(1, 0, 1, 5, all), 0)) {
      assertEquals(1, g.tokens().length);
      assertTrue(g.stopped());
    }
    for (Generation g : Generator.generate(model, manager, PROMPTS, new long[] {1, 2, 3, 4}, new SamplingParams(1, 0, 1, 5, Set.of()), 0)) {
      assertEquals(5, g.tokens().length);
      assertFalse(g.stopped());
    }
    assertThrows(IllegalArgumentException.class,
        () -> Generator.generate(model, manager, List.of(new int[120]), new long[1], new SamplingParams(1, 0, 1, 20, Set.of()), 0));
  }

  /** On a new thread (where torch records gradients by default) sampling records nothing. */
  @Test
  void samplingRecordsNoGradientOnAnyThread() throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicReference<Boolean> gradModeAfter = new AtomicReference<>();
    AtomicReference<Boolean> gradModeBefore = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try {
        gradModeBefore.set(JniUtils.isGradMode());
        Generator.generate(model, manager, PROMPTS, new long[] {1, 2, 3, 4}, SAMPLE, 0);
        Scorer.scoreToArrays(model, manager, PROMPTS, List.of(new int[] {3}, new int[] {4}, new int[] {5}, new int[] {6}), 0);
        gradModeAfter.set(JniUtils.isGradMode());
      } catch (Throwable e) {
        failure.set(e);
      }
    });
    t.start();
    t.join();
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
    assertEquals(gradModeBefore.get(), gradModeAfter.get(), "the thread's grad mode is restored");
    assertEquals(0.0, Gradients.globalNorm(model.parameters(), manager));
    for (NDArray p : model.parameters().values()) {
      assertNotEquals(null, p);
    }
  }
}
