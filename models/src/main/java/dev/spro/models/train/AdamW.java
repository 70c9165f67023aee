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
import dev.spro.models.engine.EngineArrays;

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
    step++;
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray p = e.getValue();
      NDArray g = grads == null ? p.getGradient() : grads.get(e.getKey());
      if (g == null) {
        throw new IllegalArgumentException("no gradient for parameter " + e.getKey());
      }
      NDArray mom = expAvg.computeIfAbsent(e.getKey(), k -> zerosLike(p));
      NDArray sq = expAvgSq.computeIfAbsent(e.getKey(), k -> zerosLike(p));
      apply(hyper, step, lr, p, g, mom, sq);
      if (grads == null) {
        g.close();
      }
    }
  }

  /**
   * One AdamW step, in place, of parameter {@code p} with gradient {@code g} and moments {@code
   * mom}, {@code sq}; {@code step} is the step being taken (1 for the first). Element-wise, so a
   * slice owner may apply it to any range of a tensor and get the bits of the whole. Every
   * temporary is freed before it returns (they would otherwise live as long as the managers of
   * the moments and the parameter — the model's).
   */
  public static void apply(Hyper hyper, long step, double lr, NDArray p, NDArray g, NDArray mom, NDArray sq) {
    double bc1 = 1 - Math.pow(hyper.beta1(), step);
    double bc2Sqrt = Math.sqrt(1 - Math.pow(hyper.beta2(), step));
    // in-place updates of leaves must not be recorded
    try (DjlRuntime.GradScope noGrad = DjlRuntime.noGrad(); NDManager m = p.getManager().newSubManager()) {
      if (hyper.weightDecay() != 0) {
        p.muli(scalar(m, p, 1 - lr * hyper.weightDecay()));
      }
      mom.muli(scalar(m, mom, hyper.beta1())).addi(temp(m, g.mul(scalar(m, g, 1 - hyper.beta1()))));
      sq.muli(scalar(m, sq, hyper.beta2())).addi(temp(m, temp(m, g.square()).mul(scalar(m, g, 1 - hyper.beta2()))));
      NDArray denom = temp(m, temp(m, temp(m, sq.sqrt()).div(scalar(m, sq, bc2Sqrt))).add(scalar(m, sq, hyper.eps())));
      p.subi(temp(m, temp(m, mom.div(denom)).mul(scalar(m, p, lr / bc1))));
    }
  }

  /** A temporary, freed with {@code m}. */
  private static NDArray temp(NDManager m, NDArray a) {
    a.attach(m);
    return a;
  }

  /** {@link Scalars#of}, freed with {@code m}. */
  private static NDArray scalar(NDManager m, NDArray like, double value) {
    return temp(m, Scalars.of(like, value));
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
    return metadata(hyper, step);
  }

  /** A state file's metadata after {@code step} steps with {@code hyper}. */
  public static Map<String, String> metadata(Hyper hyper, long step) {
    return Map.of("step", Long.toString(step), "beta1", Double.toString(hyper.beta1()),
        "beta2", Double.toString(hyper.beta2()), "eps", Double.toString(hyper.eps()),
        "weight_decay", Double.toString(hyper.weightDecay()));
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
      NDArray a = EngineArrays.create(opt.manager, t.values(), new Shape(t.shape()));
      opt.putMoment(t.name(), dtype != DataType.FLOAT32 ? a.toType(dtype, false) : a);
    }
    return opt;
  }

  @Override
  public void close() {
    manager.close();
  }
}
