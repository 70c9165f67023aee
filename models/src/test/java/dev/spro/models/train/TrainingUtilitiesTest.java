package dev.spro.models.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.spro.models.EngineTestBase;
import dev.spro.models.nn.Scalars;
import dev.spro.models.nn.Scorer;
import dev.spro.models.nn.TinyModels;
import dev.spro.models.nn.Transformer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingUtilitiesTest extends EngineTestBase {

  /** loss = sum(c * p^2): gradient 2 c p, known in closed form for the hand-written AdamW. */
  static void backward(NDArray p, double[] c) {
    try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
      g.backward(p.square().mul(p.getManager().create(c)).sum());
    }
  }

  /** Several AdamW steps equal PyTorch's formula computed by hand, with a save/load midway. */
  @Test
  void adamWMatchesThePyTorchFormula(@TempDir Path dir) {
    double[] c = {1.0, -2.0, 0.5, 3.0};
    double[] p0 = {0.5, -1.0, 2.0, 0.1};
    AdamW.Hyper hyper = new AdamW.Hyper(0.9, 0.95, 1e-8, 0.1);
    double[] lrs = {1e-2, 2e-2, 5e-3, 1e-2, 3e-2, 1e-2};
    // Reference, by hand.
    double[] p = p0.clone();
    double[] m = new double[4];
    double[] v = new double[4];
    for (int t = 1; t <= lrs.length; t++) {
      double lr = lrs[t - 1];
      for (int i = 0; i < 4; i++) {
        double g = 2 * c[i] * p[i];
        p[i] *= 1 - lr * hyper.weightDecay();
        m[i] = hyper.beta1() * m[i] + (1 - hyper.beta1()) * g;
        v[i] = hyper.beta2() * v[i] + (1 - hyper.beta2()) * g * g;
        double mHat = m[i] / (1 - Math.pow(hyper.beta1(), t));
        double vHat = v[i] / (1 - Math.pow(hyper.beta2(), t));
        p[i] -= lr * mHat / (Math.sqrt(vHat) + hyper.eps());
      }
    }
    // Ours, in float64, saving and reloading the optimizer after step 3.
    NDArray param = manager.create(p0);
    param.setRequiresGradient(true);
    Map<String, NDArray> params = new LinkedHashMap<>(Map.of("w", param));
    AdamW opt = new AdamW(hyper, manager);
    for (int t = 0; t < lrs.length; t++) {
      if (t == 3) {
        opt.save(dir.resolve("optimizer.safetensors"));
        opt.close();
        opt = AdamW.load(dir.resolve("optimizer.safetensors"), hyper, manager, DataType.FLOAT64);
        assertEquals(3, opt.step());
      }
      backward(param, c);
      opt.update(params, lrs[t]);
      Gradients.zero(params);
    }
    assertArrayEquals(p, param.toDoubleArray(), 1e-6);
    opt.close();
  }

  @Test
  void gradientsAccumulateOverMicroBatchesLikeOneBatch() {
    List<int[]> prompts = List.of(new int[] {3, 4}, new int[] {5}, new int[] {6, 7, 8}, new int[] {9});
    List<int[]> responses = List.of(new int[] {10, 11}, new int[] {12}, new int[] {13, 14, 15}, new int[] {16, 17});
    try (Transformer model = Transformer.initialize(TinyModels.llama(), 1, manager, DataType.FLOAT64)) {
      Map<String, double[]> whole = grads(model, prompts, responses, 1.0);
      Gradients.zero(model.parameters());
      // Two micro-batches of two, each loss weighted by its share of the batch.
      grads(model, prompts.subList(0, 2), responses.subList(0, 2), 0.5);
      Map<String, double[]> accumulated = grads(model, prompts.subList(2, 4), responses.subList(2, 4), 0.5);
      for (String name : whole.keySet()) {
        assertArrayEquals(whole.get(name), accumulated.get(name), 1e-12, name);
      }
    }
  }

  /** Backward of weight * (mean over responses of the summed log-probs); returns the gradients. */
  static Map<String, double[]> grads(Transformer model, List<int[]> prompts, List<int[]> responses, double weight) {
    try (NDManager m = model.parameters().get("model.norm.weight").getManager().newSubManager();
        GradientCollector g = Engine.getInstance().newGradientCollector()) {
      Scorer.TokenScores s = Scorer.score(model, m, prompts, responses, 0);
      NDArray loss = s.logProbs().mul(s.mask()).sum(new int[] {1}).mean().mul(Scalars.of(s.mask(), weight));
      g.backward(loss);
      Map<String, double[]> out = new LinkedHashMap<>();
      for (var e : model.parameters().entrySet()) {
        NDArray grad = e.getValue().getGradient();
        out.put(e.getKey(), grad.toDoubleArray());
        grad.close();
      }
      return out;
    }
  }

  @Test
  void globalNormClippingScalesEveryGradient() {
    NDArray a = manager.create(new double[] {1, 2});
    NDArray b = manager.create(new double[] {2});
    a.setRequiresGradient(true);
    b.setRequiresGradient(true);
    Map<String, NDArray> params = new LinkedHashMap<>();
    params.put("a", a);
    params.put("b", b);
    try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
      // d/da = (3, 6)... loss = 3 a0 + 6 a1 ... use sum(x * k)
      g.backward(a.mul(manager.create(new double[] {3, 4})).sum().add(b.mul(manager.create(new double[] {12})).sum()));
    }
    double norm = Gradients.clipGlobalNorm(params, 6.5, manager);
    assertEquals(13.0, norm, 1e-12); // sqrt(9 + 16 + 144)
    double f = 6.5 / (13 + 1e-6);
    assertArrayEquals(new double[] {3 * f, 4 * f}, a.getGradient().toDoubleArray(), 1e-12);
    assertArrayEquals(new double[] {12 * f}, b.getGradient().toDoubleArray(), 1e-12);
    assertEquals(6.5, Gradients.globalNorm(params, manager), 1e-5);
    Gradients.zero(params);
    assertEquals(0.0, Gradients.globalNorm(params, manager));
  }

  @Test
  void nonFiniteGradientNormRefusesTheStep() {
    NDArray a = manager.create(new float[] {1f});
    a.setRequiresGradient(true);
    try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
      g.backward(a.log().mul(manager.create(new float[] {Float.NaN})).sum());
    }
    assertThrows(IllegalStateException.class, () -> Gradients.clipGlobalNorm(Map.of("a", a), 1.0, manager));
  }

  @Test
  void schedules() {
    assertEquals(0.5, LrSchedule.constant(0.5).lr(100));
    LrSchedule warm = LrSchedule.linearWarmup(1.0, 4);
    assertArrayEquals(new double[] {0.25, 0.5, 0.75, 1.0, 1.0},
        new double[] {warm.lr(0), warm.lr(1), warm.lr(2), warm.lr(3), warm.lr(4)}, 1e-12);
    LrSchedule cos = LrSchedule.cosine(1.0, 2, 12, 0.1);
    assertEquals(0.5, cos.lr(0), 1e-12);
    assertEquals(1.0, cos.lr(2), 1e-12);
    assertEquals(0.1 + 0.9 * 0.5, cos.lr(7), 1e-12); // half way through the decay
    assertEquals(0.1, cos.lr(12), 1e-12);
    assertEquals(0.1, cos.lr(50), 1e-12);
    assertEquals(0.1, LrSchedule.Kind.COSINE.of(1.0, 2, 12).lr(12), 1e-12);
  }
}
