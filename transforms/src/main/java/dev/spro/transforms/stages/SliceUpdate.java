package dev.spro.transforms.stages;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.checkpoint.OptimizerFiles;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.train.AdamW;
import dev.spro.models.train.Gradients;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The optimizer step, sharded by parameter slice (ZeRO-1): the owner of a slice
 *
 * <ol>
 *   <li>({@link SumFn}) adds the shards' gradient files of its slice in shard order, in double
 *       precision, writes the sum and reports its sum of squares;
 *   <li>({@link ApplyFn}) once every slice has reported, clips by the global norm (the slices'
 *       sums of squares added in slice order), applies AdamW to its slice of the fp32 master
 *       weights and moments from checkpoint k, and writes the slice's new state.
 * </ol>
 *
 * No worker holds more than its slices of gradients, master weights and moments; the element-wise
 * arithmetic and the fixed orders of both sums make the result independent of which worker owns
 * which slice. {@link CommitCheckpointFn} assembles checkpoint k+1 from the slices.
 */
final class SliceUpdate {
  static final String POLICY = "policy";
  static final String PRM = "prm";

  private SliceUpdate() {}

  /** One slice's summed gradient (a claim check) and its sum of squares. */
  record SliceSum(String model, int slice, TensorFile sum, double sumSquares) implements Serializable {}

  /** One slice's new master weights and moments (a claim check), the step and rate that made them. */
  record SliceState(String model, int slice, TensorFile state, long step, double lr, double gradNorm)
      implements Serializable {}

  /** The iteration's scratch directory of the gradient step: removed when the checkpoint is committed. */
  static Path scratch(IterationContext ctx) {
    return RunLayout.iteration(ctx.runPath(), ctx.iteration()).resolve(RunLayout.GRADIENT_SCRATCH);
  }

  static Path from(IterationContext ctx, String model) {
    return model.equals(POLICY) ? ctx.policy() : ctx.prm();
  }

  static Path to(IterationContext ctx, String model) {
    return model.equals(POLICY) ? ctx.nextPolicy() : ctx.nextPrm();
  }

  /** Sums the shards' gradient files of a slice. */
  static final class SumFn extends DoFn<KV<Integer, Iterable<KV<String, Integer>>>, SliceSum> {
    private final Counter bytesRead = Metrics.counter(GradientStep.METRICS_NAMESPACE, "slice_bytes_read");
    private final IterationContext ctx;
    private final PCollectionView<List<ShardGradient>> shardsView;

    SumFn(IterationContext ctx, PCollectionView<List<ShardGradient>> shardsView) {
      this.ctx = ctx;
      this.shardsView = shardsView;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      List<ShardGradient> shards = new ArrayList<>(c.sideInput(shardsView));
      shards.sort(Comparator.comparingInt(ShardGradient::shard));
      for (KV<String, Integer> key : c.element().getValue()) {
        String model = key.getKey();
        int slice = key.getValue();
        Map<String, double[]> sum = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (ShardGradient s : shards) {
          TensorFile f = s.of(model).get(slice);
          bytesRead.inc(f.bytes());
          for (SafeTensors.Tensor t : f.read().tensors().values()) {
            double[] acc = sum.computeIfAbsent(t.name(), n -> new double[t.values().length]);
            shapes.putIfAbsent(t.name(), t.shape());
            float[] g = t.values();
            for (int i = 0; i < g.length; i++) {
              acc[i] += g[i];
            }
          }
        }
        double sumSquares = 0;
        List<SafeTensors.Tensor> out = new ArrayList<>();
        for (Map.Entry<String, double[]> e : sum.entrySet()) {
          double[] acc = e.getValue();
          float[] values = new float[acc.length];
          for (int i = 0; i < acc.length; i++) {
            sumSquares += acc[i] * acc[i];
            values[i] = (float) acc[i];
          }
          out.add(new SafeTensors.Tensor(e.getKey(), SafeTensors.DType.F32, shapes.get(e.getKey()), values));
        }
        Path file = scratch(ctx).resolve(String.format(Locale.ROOT, "%s-sum-slice-%02d.safetensors", model, slice));
        c.output(new SliceSum(model, slice, TensorFile.write(file, out, Map.of()), sumSquares));
      }
    }
  }

  /** Clips by the global norm and applies AdamW to a slice's master weights and moments. */
  static final class ApplyFn extends DoFn<KV<Integer, Iterable<SliceSum>>, SliceState> {
    private final Counter micros = Metrics.counter(GradientStep.METRICS_NAMESPACE, "apply_micros");
    private final IterationContext ctx;
    private final PCollectionView<List<SliceSum>> sumsView;

    ApplyFn(IterationContext ctx, PCollectionView<List<SliceSum>> sumsView) {
      this.ctx = ctx;
      this.sumsView = sumsView;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      long start = System.nanoTime();
      List<SliceSum> all = new ArrayList<>(c.sideInput(sumsView));
      all.sort(Comparator.comparing(SliceSum::model).thenComparingInt(SliceSum::slice));
      for (SliceSum s : c.element().getValue()) {
        double sumSquares = 0;
        for (SliceSum o : all) {
          if (o.model().equals(s.model())) {
            sumSquares += o.sumSquares();
          }
        }
        double norm = Math.sqrt(sumSquares);
        double scale;
        try {
          scale = Gradients.clipScale(norm, ctx.train().gradClip());
        } catch (IllegalStateException e) {
          throw new IllegalStateException("iteration " + ctx.iteration() + ": " + e.getMessage(), e);
        }
        c.output(apply(s, norm, scale));
      }
      micros.inc((System.nanoTime() - start) / 1000);
    }

    private SliceState apply(SliceSum s, double norm, double scale) {
      Map<String, SafeTensors.Tensor> grads = s.sum().read().tensors();
      Path from = from(ctx, s.model());
      OptimizerState state = OptimizerState.read(from, grads.keySet());
      double lr = s.model().equals(POLICY) ? ctx.train().lrSchedule().lr(state.step()) : ctx.train().primeLr();
      try (NDManager m = ctx.model().manager().newSubManager()) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        Map<String, NDArray> g = new LinkedHashMap<>();
        for (SafeTensors.Tensor t : grads.values()) {
          float[] master = state.master().get(t.name());
          if (master == null) {
            throw new IllegalStateException(from + " has no weights for parameter " + t.name());
          }
          float[] scaled = new float[t.values().length];
          for (int i = 0; i < scaled.length; i++) {
            scaled[i] = (float) (t.values()[i] * scale);
          }
          params.put(t.name(), m.create(master, new Shape(t.shape())));
          g.put(t.name(), m.create(scaled, new Shape(t.shape())));
        }
        try (AdamW opt = AdamW.restore(ctx.train().adam(), m, state.step(), state.moments())) {
          opt.update(params, g, lr);
          List<SafeTensors.Tensor> out = new ArrayList<>(opt.stateTensors());
          for (Map.Entry<String, NDArray> p : params.entrySet()) {
            out.add(new SafeTensors.Tensor(OptimizerFiles.MASTER + p.getKey(), SafeTensors.DType.F32, p.getValue().getShape().getShape(),
                p.getValue().toFloatArray()));
          }
          Path file = scratch(ctx).resolve(String.format(Locale.ROOT, "%s-state-slice-%02d.safetensors", s.model(), s.slice()));
          return new SliceState(s.model(), s.slice(), TensorFile.write(file, out, opt.metadata()), opt.step(), lr, norm);
        }
      }
    }
  }

  /**
   * A slice of checkpoint k's optimizer state: the step, the moments of the slice's parameters
   * and their fp32 master weights — the {@code master.NAME} copies where the checkpoint keeps them
   * (16-bit weights), else the weights themselves. Read from every {@link OptimizerFiles} file
   * of the checkpoint, whatever slicing wrote them (the slice count follows the parallelism, which
   * a resume may change); a checkpoint without one starts at step 0 with zero moments.
   */
  record OptimizerState(long step, Map<String, SafeTensors.Tensor> moments, Map<String, float[]> master) {
    static OptimizerState read(Path checkpoint, Set<String> names) {
      Set<String> wanted = new HashSet<>();
      for (String n : names) {
        wanted.add(AdamW.EXP_AVG + n);
        wanted.add(AdamW.EXP_AVG_SQ + n);
        wanted.add(OptimizerFiles.MASTER + n);
      }
      long step = 0;
      Map<String, SafeTensors.Tensor> moments = new LinkedHashMap<>();
      Map<String, float[]> master = new LinkedHashMap<>();
      for (Path f : OptimizerFiles.of(checkpoint)) {
        SafeTensors.Contents c = SafeTensors.read(f, wanted::contains);
        String s = c.metadata().get("step");
        if (s == null) {
          throw new IllegalStateException("optimizer state " + f + " has no 'step' in its metadata");
        }
        step = Long.parseLong(s);
        for (SafeTensors.Tensor t : c.tensors().values()) {
          if (t.name().startsWith(OptimizerFiles.MASTER)) {
            master.put(t.name().substring(OptimizerFiles.MASTER.length()), t.values());
          } else {
            moments.put(t.name(), t);
          }
        }
      }
      Set<String> fromWeights = new HashSet<>(names);
      fromWeights.removeAll(master.keySet());
      if (!fromWeights.isEmpty()) {
        SafeTensors.read(checkpoint.resolve(ModelCheckpoint.WEIGHTS), fromWeights::contains).tensors()
            .forEach((n, t) -> master.put(n, t.values()));
      }
      return new OptimizerState(step, moments, master);
    }
  }
}
