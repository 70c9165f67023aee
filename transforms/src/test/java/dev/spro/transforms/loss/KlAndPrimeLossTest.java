package dev.spro.transforms.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.spro.models.engine.DjlRuntime;
import dev.spro.transforms.metrics.MetricNames;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.spro.models.nn.Scalars;

/** KL estimators (tensor and plain-Java forms agree) and PRIME's implicit-PRM cross-entropy. */
class KlAndPrimeLossTest {
  @BeforeAll
  static void engine() {
    DjlRuntime.init();
  }

  @Test
  void klEstimatorsByHand() {
    double d = 0.5;
    assertEquals(0.5, KlEstimator.K1.apply(d, 0), 1e-12);
    assertEquals(0.125, KlEstimator.K2.apply(d, 0), 1e-12);
    assertEquals(Math.exp(-0.5) + 0.5 - 1, KlEstimator.K3.apply(d, 0), 1e-12);
    assertEquals(0.106530659712633, KlEstimator.K3.apply(d, 0), 1e-12);
    assertEquals(10.0, KlEstimator.K3.apply(-30, 0), 0.0, "clamped at 10");
    assertEquals(0.0, KlEstimator.K3.apply(1.3, 1.3), 0.0);
    assertEquals(KlEstimator.K3, KlEstimator.of("low_var_kl"));
    assertThrows(IllegalArgumentException.class, () -> KlEstimator.of("k4"));
  }

  @Test
  void tensorAndJavaFormsAgree() {
    double[] lp = {-0.1, -2, -30, -0.5, -8};
    double[] ref = {-0.3, -1, -1, -0.5, -0.01};
    try (NDManager m = Engine.getInstance().newBaseManager()) {
      for (KlEstimator k : KlEstimator.values()) {
        double[] t = k.apply(m.create(lp), m.create(ref)).toDoubleArray();
        for (int i = 0; i < lp.length; i++) {
          assertEquals(k.apply(lp[i], ref[i]), t[i], 1e-12, k + " at " + i);
        }
      }
    }
  }

  @Test
  void primeLossByHandAndItsGradient() {
    double beta = 0.05;
    double[] prm = {-1, -2, -0.5, /* row 1 */ -3, -0.25, -9};
    double[] ref = {-1.5, -2, -1.0, /* row 1 */ -2, -0.5, -1};
    double[] mask = {1, 1, 1, 1, 1, 0};
    double[] outcome = {1, 0};
    double z0 = beta * (0.5 + 0 + 0.5);
    double z1 = beta * (-1 + 0.25);
    double expected = ((Math.log1p(Math.exp(z0)) - z0) + Math.log1p(Math.exp(z1))) / 2;
    try (NDManager m = Engine.getInstance().newBaseManager();
        GradientCollector c = Engine.getInstance().newGradientCollector()) {
      NDArray x = m.create(prm, new Shape(2, 3));
      x.setRequiresGradient(true);
      LossResult r = PrimeRewardModelLoss.compute(x, m.create(ref, new Shape(2, 3)), m.create(mask, new Shape(2, 3)),
          m.create(outcome), beta);
      assertEquals(expected, Scalars.value(r.loss()), 1e-12);
      assertEquals(1.0, r.diagnostics().get(MetricNames.PRM_ACCURACY), 0.0, "z0 > 0 with r = 1, z1 < 0 with r = 0");
      c.backward(r.loss());
      // d/dprm[i,t] = mask * beta * (sigmoid(z_i) - r_i) / B
      double g0 = beta * (1 / (1 + Math.exp(-z0)) - 1) / 2;
      double g1 = beta * (1 / (1 + Math.exp(-z1)) - 0) / 2;
      double[] grad = x.getGradient().toDoubleArray();
      double[] want = {g0, g0, g0, g1, g1, 0};
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], grad[i], 1e-12, "token " + i);
      }
    }
  }

  @Test
  void primeLossIsStableForLargeRewards() {
    try (NDManager m = Engine.getInstance().newBaseManager()) {
      NDArray lp = m.create(new double[] {500, -500}, new Shape(2, 1));
      NDArray ref = m.create(new double[] {0, 0}, new Shape(2, 1));
      NDArray mask = m.create(new double[] {1, 1}, new Shape(2, 1));
      LossResult r = PrimeRewardModelLoss.compute(lp, ref, mask, m.create(new double[] {0, 1}), 1.0);
      // z = 500 with r = 0 costs 500; z = -500 with r = 1 costs 500.
      assertEquals(500, Scalars.value(r.loss()), 1e-9);
    }
  }
}
