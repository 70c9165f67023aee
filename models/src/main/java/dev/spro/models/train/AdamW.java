package dev.spro.models.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.nn.Scalars;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.spro.models.engine.DjlRuntime;

/**
 * AdamW with decoupled weight decay and bias correction, step for step PyTorch's:
 *
 * <pre>
 *   t = t + 1
 *   p = p * (1 - lr * wd)
 *   m = beta1 m + (1 - beta1) g
 *   v = beta2 v + (1 - beta2) g^2
 *   p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * The moments and the step count save to and load from a safetensors file ({@code exp_avg.NAME},
 * {@code exp_avg_sq.NAME}, metadata {@code step}), so a resumed run continues bit-identically.
 */
public final class AdamW implements AutoCloseable {
  /** Hyper-parameters (PyTorch's defaults but for weight decay, which RL trainers set to 0.01). */
  public record Hyper(double beta1, double beta2, double eps, double weightDecay) implements java.io.Serializable {
    public static Hyper defaults() {
      return new Hyper(0.9, 0.999, 1e-8, 0.01);
    }
  }

  /** Tensor-name prefixes of the moments in a state file. */
  public static final String EXP_AVG = "exp_avg.";
  public static final String EXP_AVG_SQ = "exp_avg_sq.";

  private final Hyper hyper;
  private final NDManager manager;
  private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
  private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
  private long step;

  public AdamW(Hyper hyper, NDManager parent) {
    this.hyper = hyper;
    this.manager = parent.newSubManager();
  }

  /** Optimizer steps taken. */
  public long step() {
    return step;
  }

  public Hyper hyper() {
    return hyper;
  }

  /** Updates every parameter from its gradient with learning rate {@code lr}. */
  public void update(Map<String, NDArray> params, double lr) {
    update(params, null, lr);
  }

  /**
   * Updates every parameter from {@code grads} (by parameter name; null: each parameter's own
   * gradient) with learning rate {@code lr}.
   */
  public void update(Map<String, NDArray> params, Map<String, NDArray> grads, double lr) {
    // in-place updates of leaves must not be recorded
    try (DjlRuntime.GradScope noGrad = DjlRuntime.noGrad(); NDManager m = manager.newSubManager()) {
      step++;
      double bc1 = 1 - Math.pow(hyper.beta1(), step);
      double bc2Sqrt = Math.sqrt(1 - Math.pow(hyper.beta2(), step));
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        NDArray p = e.getValue();
        NDArray g;
        if (grads == null) {
          g = p.getGradient();
          g.attach(m);
        } else {
          g = grads.get(e.getKey());
          if (g == null) {
            throw new IllegalArgumentException("no gradient for parameter " + e.getKey());
          }
        }
        NDArray mom = expAvg.computeIfAbsent(e.getKey(), k -> zerosLike(p));
        NDArray sq = expAvgSq.computeIfAbsent(e.getKey(), k -> zerosLike(p));
        if (hyper.weightDecay() != 0) {
          p.muli(Scalars.of(p, 1 - lr * hyper.weightDecay()));
        }
        mom.muli(Scalars.of(mom, hyper.beta1())).addi(g.mul(Scalars.of(g, 1 - hyper.beta1())));
        sq.muli(Scalars.of(sq, hyper.beta2())).addi(g.square().mul(Scalars.of(g, 1 - hyper.beta2())));
        NDArray denom = sq.sqrt().div(Scalars.of(sq, bc2Sqrt)).add(Scalars.of(sq, hyper.eps()));
        p.subi(mom.div(denom).mul(Scalars.of(p, lr / bc1)));
      }
    }
  }

  private NDArray zerosLike(NDArray p) {
    return manager.zeros(p.getShape(), p.getDataType());
  }

  /** Writes the moments and step to {@code file} (atomically). */
  public void save(Path file) {
    SafeTensors.write(file, stateTensors(), metadata());
  }

  /** The moments as tensors named {@code exp_avg.NAME} and {@code exp_avg_sq.NAME}, fp32. */
  public List<SafeTensors.Tensor> stateTensors() {
    List<SafeTensors.Tensor> tensors = new ArrayList<>();
    for (Map.Entry<String, NDArray> e : expAvg.entrySet()) {
      tensors.add(tensor(EXP_AVG + e.getKey(), e.getValue()));
      tensors.add(tensor(EXP_AVG_SQ + e.getKey(), expAvgSq.get(e.getKey())));
    }
    return tensors;
  }

  /** The step and hyper-parameters, as the state file's metadata. */
  public Map<String, String> metadata() {
    return Map.of("step", Long.toString(step), "beta1", Double.toString(hyper.beta1()),
        "beta2", Double.toString(hyper.beta2()), "eps", Double.toString(hyper.eps()),
        "weight_decay", Double.toString(hyper.weightDecay()));
  }

  /**
   * The state of some parameters (one slice of a sharded optimizer): {@code step}, and the
   * moments found among {@code state} ({@code exp_avg.NAME}, {@code exp_avg_sq.NAME}; other
   * tensors are ignored, absent moments start at zero).
   */
  public static AdamW restore(Hyper hyper, NDManager parent, long step, Map<String, SafeTensors.Tensor> state) {
    AdamW opt = new AdamW(hyper, parent);
    opt.step = step;
    for (SafeTensors.Tensor t : state.values()) {
      if (isMoment(t.name())) {
        opt.putMoment(t.name(), opt.manager.create(t.values(), new Shape(t.shape())));
      }
    }
    return opt;
  }

  private static boolean isMoment(String tensorName) {
    return tensorName.startsWith(EXP_AVG) || tensorName.startsWith(EXP_AVG_SQ);
  }

  /** Files {@code a} as the moment its tensor name says ({@code exp_avg.NAME} or {@code exp_avg_sq.NAME}). */
  private void putMoment(String tensorName, NDArray a) {
    if (tensorName.startsWith(EXP_AVG_SQ)) {
      expAvgSq.put(tensorName.substring(EXP_AVG_SQ.length()), a);
    } else {
      expAvg.put(tensorName.substring(EXP_AVG.length()), a);
    }
  }

  private static SafeTensors.Tensor tensor(String name, NDArray a) {
    float[] values = a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : a.toType(DataType.FLOAT32, false).toFloatArray();
    return new SafeTensors.Tensor(name, SafeTensors.DType.F32, a.getShape().getShape(), values);
  }

  /** Restores moments and step written by {@link #save}, for parameters of {@code dtype}. */
  public static AdamW load(Path file, Hyper hyper, NDManager parent, DataType dtype) {
    CheckpointIntegrity.verify(file.getParent());
    SafeTensors.Contents c = SafeTensors.read(file);
    AdamW opt = new AdamW(hyper, parent);
    String step = c.metadata().get("step");
    if (step == null) {
      throw new IllegalArgumentException("optimizer state " + file + " has no 'step' in its metadata");
    }
    opt.step = Long.parseLong(step);
    for (SafeTensors.Tensor t : c.tensors().values()) {
      if (!isMoment(t.name())) {
        throw new IllegalArgumentException("optimizer state " + file + ": unexpected tensor " + t.name());
      }
      NDArray a = opt.manager.create(t.values(), new Shape(t.shape()));
      opt.putMoment(t.name(), dtype != DataType.FLOAT32 ? a.toType(dtype, false) : a);
    }
    return opt;
  }

  @Override
  public void close() {
    manager.close();
  }
}
