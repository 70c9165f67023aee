package dev.spro.pipelines.check;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.spro.models.engine.DjlRuntime;
import java.util.SplittableRandom;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * For each seed, builds a seeded {@code n x n} matrix A and vector x in Java, computes
 * {@code sum(tanh(A x))} with the engine, and emits (seed, result). {@link #expected} computes the
 * same in plain Java, so a caller can check every worker's arithmetic.
 */
public final class TensorWorkload extends PTransform<PCollection<Long>, PCollection<KV<Long, Double>>> {
  public static final String METRICS_NAMESPACE = "spro.check";
  private final int size;

  public TensorWorkload(int size) {
    this.size = size;
  }

  @Override
  public PCollection<KV<Long, Double>> expand(PCollection<Long> seeds) {
    return seeds.apply("EngineMatVec", ParDo.of(new EngineMatVecFn(size)));
  }

  /** The matrix and vector for a seed, row-major, values in [-1, 1). */
  static float[] data(long seed, int n) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[n * n + n];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return values;
  }

  /** What {@link EngineMatVecFn} must produce for {@code seed}, computed without the engine. */
  public static double expected(long seed, int n) {
    float[] v = data(seed, n);
    double total = 0;
    for (int row = 0; row < n; row++) {
      double dot = 0;
      for (int col = 0; col < n; col++) {
        dot += (double) v[row * n + col] * v[n * n + col];
      }
      total += Math.tanh(dot);
    }
    return total;
  }

  /** Loads the engine once per worker, then does tensor work per element with gradients off. */
  static final class EngineMatVecFn extends DoFn<Long, KV<Long, Double>> {
    private final Counter elements = Metrics.counter(METRICS_NAMESPACE, "elements");
    private final Counter gradModeWasOn = Metrics.counter(METRICS_NAMESPACE, "grad_mode_was_on");
    private final Distribution micros = Metrics.distribution(METRICS_NAMESPACE, "micros_per_element");
    private final int n;
    private transient NDManager manager;

    EngineMatVecFn(int n) {
      this.n = n;
    }

    @Setup
    public void setup() {
      manager = DjlRuntime.init().newBaseManager();
    }

    @ProcessElement
    public void process(@Element Long seed, OutputReceiver<KV<Long, Double>> out) {
      long start = System.nanoTime();
      // Worker threads start with torch grad mode on; inference code turns it off explicitly.
      if (JniUtils.isGradMode()) {
        gradModeWasOn.inc();
      }
      DjlRuntime.noGradOnThisThread();
      float[] v = data(seed, n);
      try (NDManager step = manager.newSubManager()) {
        NDArray all = step.create(v);
        NDArray a = all.get("0:" + (n * n)).reshape(new Shape(n, n));
        NDArray x = all.get((n * n) + ":").reshape(new Shape(n, 1));
        NDArray y = a.toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
            .matMul(x.toType(ai.djl.ndarray.types.DataType.FLOAT64, false))
            .tanh()
            .sum();
        out.output(KV.of(seed, y.getDouble()));
      }
      elements.inc();
      micros.update((System.nanoTime() - start) / 1000);
    }

    @Teardown
    public void teardown() {
      if (manager != null) {
        manager.close();
      }
    }
  }
}
