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
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.spro.models.nn.Scalars;

/**
 * The PPO surrogate against hand-computed values: five valid tokens chosen so that every case
 * occurs once — clipped above, clipped below, unclipped, dual-clipped, ratio 1 — and one padding
 * token with extreme values that must not count.
 */
class PolicyLossTest {
  // (advantage, ratio) per token; row 1's last token is padding.
  static final double[][] ADV = {{1, -1, 1}, {-1, 0.5, 7}};
  static final double[][] RATIO = {{1.5, 0.5, 0.5}, {5, 1.0, 9}};
  static final double[][] MASK = {{1, 1, 1}, {1, 1, 0}};
  // Per-token loss by hand: max(-A r, -A clip(r, 0.8, 1.2)), then min(., -3A) where A < 0.
  //   (1, 1.5): max(-1.5, -1.2) = -1.2     clipped
  //   (-1, 0.5): max(0.5, 0.8) = 0.8       clipped
  //   (1, 0.5): max(-0.5, -0.8) = -0.5
  //   (-1, 5): max(5, 1.2) = 5 -> min(5, 3) = 3   dual clip
  //   (0.5, 1): -0.5
  static final double TOKEN_MEAN = (-1.2 + 0.8 - 0.5 + 3 - 0.5) / 5;
  static final double SEQ_MEAN_TOKEN_SUM = ((-1.2 + 0.8 - 0.5) + (3 - 0.5)) / 2;
  static final double SEQ_MEAN_TOKEN_MEAN = ((-1.2 + 0.8 - 0.5) / 3 + (3 - 0.5) / 2) / 2;
  static final double SEQ_MEAN_TOKEN_SUM_NORM = ((-1.2 + 0.8 - 0.5) + (3 - 0.5)) / 3;

  NDManager manager;

  @BeforeAll
  static void engine() {
    DjlRuntime.init();
  }

  @BeforeEach
  void open() {
    manager = Engine.getInstance().newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  NDArray f64(double[][] rows) {
    double[] flat = new double[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * rows[0].length, rows[0].length);
    }
    return manager.create(flat, new Shape(rows.length, rows[0].length));
  }

  /** log pi_old fixed, log pi_theta = log pi_old + log(ratio). */
  LossResult loss(PolicyLossConfig config) {
    double[][] old = {{-1, -2, -0.5}, {-3, -0.1, -4}};
    double[][] lp = new double[2][3];
    for (int i = 0; i < 2; i++) {
      for (int t = 0; t < 3; t++) {
        lp[i][t] = old[i][t] + Math.log(RATIO[i][t]);
      }
    }
    return PolicyLoss.compute(f64(lp), f64(old), f64(ADV), f64(MASK), null, null, config);
  }

  @Test
  void eachAggregationMode() {
    double[] expected = {TOKEN_MEAN, SEQ_MEAN_TOKEN_SUM, SEQ_MEAN_TOKEN_MEAN, SEQ_MEAN_TOKEN_SUM_NORM};
    LossAggregation[] modes = LossAggregation.values();
    for (int k = 0; k < modes.length; k++) {
      LossResult r = loss(PolicyLossConfig.defaults().withAggregation(modes[k]));
      assertEquals(expected[k], Scalars.value(r.loss()), 1e-7, modes[k].configName());
    }
    assertEquals(0.32, TOKEN_MEAN, 1e-12);
    assertEquals(0.475, SEQ_MEAN_TOKEN_MEAN, 1e-12);
  }

  @Test
  void clipDiagnostics() {
    Map<String, Double> d = loss(PolicyLossConfig.defaults()).diagnostics();
    assertEquals(2.0 / 5, d.get(MetricNames.ACTOR_PG_CLIPFRAC), 1e-7);
    assertEquals(1.0 / 5, d.get(MetricNames.ACTOR_PG_CLIPFRAC_LOWER), 1e-7);
    double ppoKl = -(Math.log(1.5) + 2 * Math.log(0.5) + Math.log(5) + Math.log(1)) / 5;
    assertEquals(ppoKl, d.get(MetricNames.ACTOR_PPO_KL), 1e-7);
    assertEquals((1 - 1 + 1 - 1 + 0.5) / 5, d.get(MetricNames.ACTOR_ADVANTAGE_MEAN), 1e-7);
  }

  @Test
  void klPenaltyAndEntropyBonusAddUp() {
    double[][] ref = {{-1.2, -1.9, -0.5}, {-2.0, -0.3, -1}};
    double[][] ent = {{0.5, 1.0, 1.5}, {2.0, 0.25, 100}};
    double[][] old = {{-1, -2, -0.5}, {-3, -0.1, -4}};
    PolicyLossConfig config = PolicyLossConfig.defaults().withAggregation(LossAggregation.TOKEN_MEAN)
        .withKl(0.1, KlEstimator.K1).withEntropyCoef(0.01);
    // ratio 1 everywhere: surrogate = -A on valid tokens.
    LossResult r = PolicyLoss.compute(f64(old), f64(old), f64(ADV), f64(MASK), f64(ref), f64(ent), config);
    double pg = -(1 - 1 + 1 - 1 + 0.5) / 5;
    double kl = ((-1 + 1.2) + (-2 + 1.9) + 0 + (-3 + 2.0) + (-0.1 + 0.3)) / 5;
    double h = (0.5 + 1.0 + 1.5 + 2.0 + 0.25) / 5;
    assertEquals(pg + 0.1 * kl - 0.01 * h, Scalars.value(r.loss()), 1e-7);
    assertEquals(kl, r.diagnostics().get(MetricNames.ACTOR_KL_LOSS), 1e-7);
    assertEquals(h, r.diagnostics().get(MetricNames.ACTOR_ENTROPY), 1e-7);
  }

  @Test
  void missingInputsForPenaltiesAreClearErrors() {
    assertThrows(IllegalArgumentException.class, () -> loss(PolicyLossConfig.defaults().withKl(0.1, KlEstimator.K3)));
    assertThrows(IllegalArgumentException.class, () -> loss(PolicyLossConfig.defaults().withEntropyCoef(0.1)));
  }

  /** d loss / d log pi_theta by autograd equals a central finite difference, in float64. */
  @Test
  void gradientMatchesFiniteDifference() {
    SplittableRandom rnd = new SplittableRandom(3);
    int b = 3;
    int t = 5;
    double[][] old = new double[b][t];
    double[][] lp = new double[b][t];
    double[][] adv = new double[b][t];
    double[][] ref = new double[b][t];
    double[][] mask = {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}, {1, 0, 0, 0, 0}};
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        old[i][j] = rnd.nextDouble(-3, -0.1);
        // ratios spread over [0.5, 1.6]: some inside the clip range, some outside on both sides
        lp[i][j] = old[i][j] + Math.log(rnd.nextDouble(0.5, 1.6));
        adv[i][j] = rnd.nextDouble(-2, 2);
        ref[i][j] = old[i][j] + rnd.nextDouble(-0.5, 0.5);
      }
    }
    for (LossAggregation mode : LossAggregation.values()) {
      for (KlEstimator kl : KlEstimator.values()) {
        PolicyLossConfig config = PolicyLossConfig.defaults().withAggregation(mode).withKl(0.2, kl);
        double[][] grad;
        try (NDManager step = manager.newSubManager();
            GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray x = step.create(flat(lp), new Shape(b, t));
          x.setRequiresGradient(true);
          NDArray loss = PolicyLoss.compute(x, step.create(flat(old), new Shape(b, t)),
              step.create(flat(adv), new Shape(b, t)), step.create(flat(mask), new Shape(b, t)),
              step.create(flat(ref), new Shape(b, t)), null, config).loss();
          collector.backward(loss);
          grad = unflat(x.getGradient().toDoubleArray(), b, t);
        }
        double h = 1e-6;
        for (int i = 0; i < b; i++) {
          for (int j = 0; j < t; j++) {
            double[][] plus = copy(lp);
            double[][] minus = copy(lp);
            plus[i][j] += h;
            minus[i][j] -= h;
            double fd = (evalLoss(plus, old, adv, mask, ref, config) - evalLoss(minus, old, adv, mask, ref, config)) / (2 * h);
            assertEquals(fd, grad[i][j], 1e-6, mode + " " + kl + " at [" + i + "," + j + "]");
          }
        }
      }
    }
  }

  double evalLoss(double[][] lp, double[][] old, double[][] adv, double[][] mask, double[][] ref, PolicyLossConfig c) {
    try (NDManager step = manager.newSubManager()) {
      return Scalars.value(PolicyLoss.compute(f64In(step, lp), f64In(step, old), f64In(step, adv), f64In(step, mask),
          f64In(step, ref), null, c).loss());
    }
  }

  static NDArray f64In(NDManager m, double[][] rows) {
    return m.create(flat(rows), new Shape(rows.length, rows[0].length));
  }

  static double[] flat(double[][] rows) {
    double[] out = new double[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
    }
    return out;
  }

  static double[][] unflat(double[] flat, int b, int t) {
    double[][] out = new double[b][t];
    for (int i = 0; i < b; i++) {
      System.arraycopy(flat, i * t, out[i], 0, t);
    }
    return out;
  }

  static double[][] copy(double[][] rows) {
    double[][] out = new double[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      out[i] = rows[i].clone();
    }
    return out;
  }
}
