package dev.spro.models.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.EngineTestBase;
import dev.spro.models.nn.Scalars;
import dev.spro.models.nn.Scorer;
import dev.spro.models.nn.Transformer;
import dev.spro.models.sampling.Generation;
import dev.spro.models.sampling.Generator;
import dev.spro.models.sampling.SamplingParams;
import dev.spro.models.tokenizer.CharTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The whole training loop on a toy task — reverse a string of digits — learns it: the loss falls
 * low and greedy decoding reverses strings it never saw. And the same seed gives the same weights.
 */
class ToyTaskTest extends EngineTestBase {
  static final CharTokenizer TOKENIZER = new CharTokenizer("0123456789=");

  static ModelConfig config() {
    return ModelConfig.builder().vocabSize(TOKENIZER.vocabSize()).hiddenSize(64).intermediateSize(128).layers(2)
        .heads(4).kvHeads(2).maxPositions(32).eosTokenId(CharTokenizer.EOS).build();
  }

  static String digits(SplittableRandom rnd) {
    StringBuilder sb = new StringBuilder();
    int n = 3 + rnd.nextInt(3);
    for (int i = 0; i < n; i++) {
      sb.append((char) ('0' + rnd.nextInt(10)));
    }
    return sb.toString();
  }

  static int[] response(String s) {
    int[] r = TOKENIZER.encode(new StringBuilder(s).reverse().toString());
    int[] out = java.util.Arrays.copyOf(r, r.length + 1);
    out[r.length] = CharTokenizer.EOS;
    return out;
  }

  /** Trains {@code steps} steps of supervised learning; returns the last loss. */
  static double train(Transformer model, NDManager manager, int steps, long dataSeed) {
    SplittableRandom rnd = new SplittableRandom(dataSeed);
    LrSchedule schedule = LrSchedule.cosine(3e-3, 20, steps, 0.1);
    double loss = Double.NaN;
    try (AdamW opt = new AdamW(new AdamW.Hyper(0.9, 0.99, 1e-8, 0.0), manager)) {
      for (int step = 0; step < steps; step++) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> responses = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
          String s = digits(rnd);
          prompts.add(TOKENIZER.encode(s + "="));
          responses.add(response(s));
        }
        try (NDManager m = manager.newSubManager(); GradientCollector c = Engine.getInstance().newGradientCollector()) {
          Scorer.TokenScores s = Scorer.score(model, m, prompts, responses, CharTokenizer.PAD);
          NDArray nll = s.logProbs().mul(s.mask()).sum().div(s.mask().sum()).neg();
          c.backward(nll);
          loss = Scalars.value(nll);
        }
        Gradients.clipGlobalNorm(model.parameters(), 1.0, manager);
        opt.update(model.parameters(), schedule.lr(step));
        Gradients.zero(model.parameters());
      }
    }
    return loss;
  }

  @Test
  void learnsToReverseDigits() {
    try (Transformer model = Transformer.initialize(config(), 1, manager, DataType.FLOAT32)) {
      double loss = train(model, manager, 700, 7);
      assertTrue(loss < 0.05, "final loss " + loss);
      SplittableRandom rnd = new SplittableRandom(12345);
      List<int[]> prompts = new ArrayList<>();
      List<String> inputs = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        String s = digits(rnd);
        inputs.add(s);
        prompts.add(TOKENIZER.encode(s + "="));
      }
      List<Generation> out = Generator.generate(model, manager, prompts, new long[32],
          SamplingParams.greedy(8, Set.of(CharTokenizer.EOS)), CharTokenizer.PAD);
      int correct = 0;
      for (int i = 0; i < 32; i++) {
        if (java.util.Arrays.equals(response(inputs.get(i)), out.get(i).tokens())) {
          correct++;
        }
      }
      assertTrue(correct >= 31, correct + "/32 reversed correctly");
    }
  }

  @Test
  void sameSeedSameWeightsAfterTraining() {
    List<float[]> first = weightsAfter(1);
    List<float[]> again = weightsAfter(1);
    for (int i = 0; i < first.size(); i++) {
      assertArrayEquals(first.get(i), again.get(i));
    }
    List<float[]> other = weightsAfter(2);
    boolean differs = false;
    for (int i = 0; i < first.size(); i++) {
      differs |= !java.util.Arrays.equals(first.get(i), other.get(i));
    }
    assertTrue(differs);
    assertEquals(first.size(), other.size());
  }

  List<float[]> weightsAfter(long seed) {
    try (Transformer model = Transformer.initialize(config(), seed, manager, DataType.FLOAT32)) {
      train(model, manager, 5, seed);
      return model.toTensors().stream().map(SafeTensors.Tensor::values).toList();
    }
  }
}
