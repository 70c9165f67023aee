package dev.spro.transforms.stages;

import dev.spro.transforms.metrics.ProcessMemory;
import dev.spro.transforms.metrics.TaskClock;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.checkpoint.OptimizerFiles;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.checkpoint.SafeTensorsReader;
import dev.spro.models.checkpoint.SafeTensorsWriter;
import dev.spro.models.checkpoint.TensorDirectory;
import dev.spro.models.engine.EngineArrays;
import dev.spro.models.train.AdamW;
import dev.spro.models.train.Gradients;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
      try (ProcessMemory.Window memory = ProcessMemory.open(GradientStep.METRICS_NAMESPACE)) {
        List<ShardGradient> shards = new ArrayList<>(c.sideInput(shardsView));
        shards.sort(Comparator.comparingInt(ShardGradient::shard));
        for (KV<String, Integer> key : c.element().getValue()) {
          String model = key.getKey();
          int slice = key.getValue();
          List<SafeTensorsReader> parts = new ArrayList<>();
          try {
            for (ShardGradient s : shards) {
              TensorFile f = s.of(model).get(slice);
              bytesRead.inc(f.bytes());
              parts.add(f.open());
            }
            c.output(sum(model, slice, parts));
          } finally {
            parts.forEach(SafeTensorsReader::close);
          }
        }
      }
    }

    /**
     * The sum of the shards' files, tensor by tensor and a chunk at a time (names in file order,
     * elements in order, shards in shard order: the same additions, and the same sum of squares,
     * however the slice is cut into chunks).
     */
    private SliceSum sum(String model, int slice, List<SafeTensorsReader> parts) {
      Map<String, SafeTensors.Entry> entries = parts.get(0).entries();
      Path file = scratch(ctx).resolve(String.format(Locale.ROOT, "%s-sum-slice-%02d.safetensors", model, slice));
      double sumSquares = 0;
      try (SafeTensorsWriter out = TensorFile.create(file, entries.values(), Map.of())) {
        for (SafeTensors.Entry e : entries.values()) {
          long count = e.elementCount();
          int chunk = (int) Math.min(count, TensorDirectory.CHUNK);
          double[] acc = new double[chunk];
          float[] values = new float[chunk];
          for (long from = 0; from < count; from += chunk) {
            int n = (int) Math.min(chunk, count - from);
            java.util.Arrays.fill(acc, 0, n, 0);
            for (SafeTensorsReader part : parts) {
              part.read(e.name(), from, values, 0, n);
              for (int i = 0; i < n; i++) {
                acc[i] += values[i];
              }
            }
            for (int i = 0; i < n; i++) {
              sumSquares += acc[i] * acc[i];
              values[i] = (float) acc[i];
            }
            out.write(e.name(), from, values, 0, n);
          }
        }
        return new SliceSum(model, slice, TensorFile.commit(out), sumSquares);
      }
    }
  }

  /** Clips by the global norm and applies AdamW to a slice's master weights and moments. */
  static final class ApplyFn extends DoFn<KV<Integer, Iterable<SliceSum>>, SliceState> {
    private final Counter micros = Metrics.counter(GradientStep.METRICS_NAMESPACE, "apply_micros");
    private final TaskClock clock = new TaskClock(GradientStep.METRICS_NAMESPACE, GradientStep.APPLY_TASK_MICROS);
    private final IterationContext ctx;
    private final PCollectionView<List<SliceSum>> sumsView;

    ApplyFn(IterationContext ctx, PCollectionView<List<SliceSum>> sumsView) {
      this.ctx = ctx;
      this.sumsView = sumsView;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      try (ProcessMemory.Window memory = ProcessMemory.open(GradientStep.METRICS_NAMESPACE)) {
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
        micros.inc(clock.addSince(start));
      }
    }

    @FinishBundle
    public void finishBundle() {
      clock.finishBundle();
    }

    /**
     * AdamW on the slice, a tensor and a chunk at a time: the gradient sum, fp32 master and both
     * moments of one chunk on the engine at once (the update is element-wise, so chunks change no
     * bit), written to the slice's state file as they are done.
     */
    private SliceState apply(SliceSum s, double norm, double scale) {
      Path from = from(ctx, s.model());
      AdamW.Hyper hyper = ctx.train().adam();
      Path file = scratch(ctx).resolve(String.format(Locale.ROOT, "%s-state-slice-%02d.safetensors", s.model(), s.slice()));
      try (SafeTensorsReader grads = s.sum().open(); OptimizerState state = OptimizerState.open(from)) {
        long step = state.step() + 1;
        double lr = s.model().equals(POLICY) ? ctx.train().lrSchedule().lr(state.step()) : ctx.train().primeLr();
        List<SafeTensors.Entry> entries = new ArrayList<>();
        for (SafeTensors.Entry e : grads.entries().values()) {
          for (String prefix : List.of(AdamW.EXP_AVG, AdamW.EXP_AVG_SQ, OptimizerFiles.MASTER)) {
            entries.add(new SafeTensors.Entry(prefix + e.name(), SafeTensors.DType.F32, e.shape()));
          }
        }
        try (SafeTensorsWriter out = TensorFile.create(file, entries, AdamW.metadata(hyper, step));
            NDManager base = ctx.model().manager().newSubManager()) {
          for (SafeTensors.Entry e : grads.entries().values()) {
            String name = e.name();
            long count = e.elementCount();
            int chunk = (int) Math.min(count, TensorDirectory.CHUNK);
            float[] g = new float[chunk];
            float[] master = new float[chunk];
            float[] mom = new float[chunk];
            float[] sq = new float[chunk];
            for (long at = 0; at < count; at += chunk) {
              int n = (int) Math.min(chunk, count - at);
              grads.read(name, at, g, 0, n);
              for (int i = 0; i < n; i++) {
                g[i] = (float) (g[i] * scale);
              }
              state.master(name, at, master, n);
              state.moments(name, at, mom, sq, n);
              Shape shape = new Shape(n);
              try (NDManager m = base.newSubManager()) {
                NDArray p = EngineArrays.create(m, master, 0, n, shape);
                NDArray ma = EngineArrays.create(m, mom, 0, n, shape);
                NDArray sa = EngineArrays.create(m, sq, 0, n, shape);
                AdamW.apply(hyper, step, lr, p, EngineArrays.create(m, g, 0, n, shape), ma, sa);
                out.write(OptimizerFiles.MASTER + name, at, p.toFloatArray(), 0, n);
                out.write(AdamW.EXP_AVG + name, at, ma.toFloatArray(), 0, n);
                out.write(AdamW.EXP_AVG_SQ + name, at, sa.toFloatArray(), 0, n);
              }
            }
          }
          return new SliceState(s.model(), s.slice(), TensorFile.commit(out), step, lr, norm);
        }
      }
    }
  }

  /**
   * Checkpoint k's optimizer state, read a chunk at a time: the step, each parameter's moments
   * and its fp32 master weights — the {@code master.NAME} copies where the checkpoint keeps them
   * (16-bit weights), else the weights themselves. Read from every {@link OptimizerFiles} file
   * of the checkpoint, whatever slicing wrote them (the slice count follows the parallelism, which
   * a resume may change); a checkpoint without one starts at step 0 with zero moments.
   */
  static final class OptimizerState implements AutoCloseable {
    private final Path checkpoint;
    private final TensorDirectory optimizer;
    private final TensorDirectory weights;
    private final long step;

    private OptimizerState(Path checkpoint, TensorDirectory optimizer, TensorDirectory weights, long step) {
      this.checkpoint = checkpoint;
      this.optimizer = optimizer;
      this.weights = weights;
      this.step = step;
    }

    static OptimizerState open(Path checkpoint) {
      List<Path> files = OptimizerFiles.of(checkpoint);
      TensorDirectory optimizer = TensorDirectory.open(files);
      long step = 0;
      for (SafeTensorsReader f : optimizer.files()) {
        String s = f.metadata().get("step");
        if (s == null) {
          optimizer.close();
          throw new IllegalStateException("optimizer state " + f.file() + " has no 'step' in its metadata");
        }
        step = Long.parseLong(s);
      }
      try {
        return new OptimizerState(checkpoint, optimizer, TensorDirectory.open(ModelCheckpoint.weightFiles(checkpoint)), step);
      } catch (RuntimeException e) {
        optimizer.close();
        throw e;
      }
    }

    long step() {
      return step;
    }

    /** Elements {@code [from, from + n)} of parameter {@code name}'s fp32 master weights. */
    void master(String name, long from, float[] into, int n) {
      if (optimizer.has(OptimizerFiles.MASTER + name)) {
        optimizer.read(OptimizerFiles.MASTER + name, from, into, n);
      } else if (weights.has(name)) {
        weights.read(name, from, into, n);
      } else {
        throw new IllegalStateException(checkpoint + " has no weights for parameter " + name);
      }
    }

    /** Elements {@code [from, from + n)} of both moments of {@code name}; zero if it has none yet. */
    void moments(String name, long from, float[] mom, float[] sq, int n) {
      if (optimizer.has(AdamW.EXP_AVG + name)) {
        optimizer.read(AdamW.EXP_AVG + name, from, mom, n);
        optimizer.read(AdamW.EXP_AVG_SQ + name, from, sq, n);
      } else {
        java.util.Arrays.fill(mom, 0, n, 0f);
        java.util.Arrays.fill(sq, 0, n, 0f);
      }
    }

    @Override
    public void close() {
      optimizer.close();
      weights.close();
    }
  }
}
