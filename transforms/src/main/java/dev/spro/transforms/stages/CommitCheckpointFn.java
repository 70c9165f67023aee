package dev.spro.transforms.stages;

import dev.spro.transforms.metrics.ProcessMemory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.checkpoint.OptimizerFiles;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.checkpoint.SafeTensorsReader;
import dev.spro.models.checkpoint.SafeTensorsWriter;
import dev.spro.models.checkpoint.TensorDirectory;
import dev.spro.models.io.AtomicFiles;
import dev.spro.transforms.metrics.MetricNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * Writes checkpoint k+1 from the slices' new states: {@code model.safetensors} with each
 * parameter in the dtype checkpoint k stored it in (the fp32 master rounded to bf16 for a bf16
 * checkpoint), one {@link OptimizerFiles} file per slice with the moments — and the
 * fp32 master weights of parameters stored in 16 bits, so an update below bf16's rounding step is
 * kept for the next iteration instead of being rounded away — then {@code config.json}, the
 * trainer state and the manifest, all renamed into place at once. PRIME's reward model is written
 * first; the policy's checkpoint, written last, is the iteration's commit. The gradient step's
 * scratch files go after that.
 */
final class CommitCheckpointFn extends DoFn<Integer, String> {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private final Counter steps = Metrics.counter(GradientStep.METRICS_NAMESPACE, "optimizer_steps");
  private final IterationContext ctx;
  private final GradientStep.CheckpointManifests manifests;
  private final PCollectionView<List<ShardGradient>> shardsView;
  private final PCollectionView<List<SliceUpdate.SliceState>> statesView;

  CommitCheckpointFn(IterationContext ctx, GradientStep.CheckpointManifests manifests,
      PCollectionView<List<ShardGradient>> shardsView, PCollectionView<List<SliceUpdate.SliceState>> statesView) {
    this.ctx = ctx;
    this.manifests = manifests;
    this.shardsView = shardsView;
    this.statesView = statesView;
  }

  @ProcessElement
  public void process(ProcessContext c) throws IOException {
    try (ProcessMemory.Window memory = ProcessMemory.open(GradientStep.METRICS_NAMESPACE)) {
      List<ShardGradient> shards = new ArrayList<>(c.sideInput(shardsView));
      shards.sort(Comparator.comparingInt(ShardGradient::shard));
      Map<String, Double> metrics = new LinkedHashMap<>();
      for (ShardGradient s : shards) {
        s.diagnostics().forEach((k, v) -> metrics.merge(k, v, Double::sum));
      }
      List<SliceUpdate.SliceState> states = new ArrayList<>(c.sideInput(statesView));
      states.sort(Comparator.comparingInt(SliceUpdate.SliceState::slice));
      Files.createDirectories(ctx.nextPolicy().getParent());
      if (ctx.prime()) {
        SliceUpdate.SliceState prm = write(SliceUpdate.PRM, of(states, SliceUpdate.PRM), Map.of());
        metrics.put("prm/grad_norm", prm.gradNorm());
      }
      SliceUpdate.SliceState policy = write(SliceUpdate.POLICY, of(states, SliceUpdate.POLICY), metrics);
      metrics.put(MetricNames.ACTOR_GRAD_NORM, policy.gradNorm());
      metrics.put(MetricNames.ACTOR_LR, policy.lr());
      AtomicFiles.deleteRecursively(SliceUpdate.scratch(ctx));
      steps.inc();
      c.output(JSON.writeValueAsString(metrics));
    }
  }

  private static List<SliceUpdate.SliceState> of(List<SliceUpdate.SliceState> states, String model) {
    return states.stream().filter(s -> s.model().equals(model)).toList();
  }

  /** Writes {@code model}'s next checkpoint from its slices; returns the first slice's state (step, rate, norm). */
  private SliceUpdate.SliceState write(String model, List<SliceUpdate.SliceState> slices, Map<String, Double> diagnostics)
      throws IOException {
    Path from = SliceUpdate.from(ctx, model);
    Path to = SliceUpdate.to(ctx, model);
    CheckpointIntegrity.verify(from);
    List<SafeTensorsReader> states = new ArrayList<>();
    try (TensorDirectory old = TensorDirectory.open(ModelCheckpoint.weightFiles(from))) {
      for (SliceUpdate.SliceState s : slices) {
        states.add(s.state().open());
      }
      // which slice holds each parameter's new fp32 master
      Map<String, SafeTensorsReader> master = new LinkedHashMap<>();
      for (SafeTensorsReader r : states) {
        for (String t : r.entries().keySet()) {
          if (t.startsWith(OptimizerFiles.MASTER)) {
            master.put(t.substring(OptimizerFiles.MASTER.length()), r);
          }
        }
      }
      Map<String, SafeTensors.Entry> stored = new LinkedHashMap<>();
      old.files().forEach(f -> stored.putAll(f.entries()));
      SliceUpdate.SliceState first = slices.get(0);
      long step = first.step();
      Map<String, Object> state = new TreeMap<>(diagnostics);
      state.put("iteration", ctx.iteration() + 1);
      state.put("optimizer_step", step);
      state.put(MetricNames.ACTOR_LR, first.lr());
      state.put(MetricNames.ACTOR_GRAD_NORM, first.gradNorm());
      AtomicFiles.writeDirectory(to, tmp -> {
        Files.copy(from.resolve(ModelCheckpoint.CONFIG), tmp.resolve(ModelCheckpoint.CONFIG));
        ModelCheckpoint.copyGenerationConfig(from, tmp);
        // every tensor of the old weights: updated ones from their master, others (not trained) as they were
        try (SafeTensorsWriter w = SafeTensorsWriter.create(tmp.resolve(ModelCheckpoint.WEIGHTS), stored.values(),
            old.metadata())) {
          for (String name : stored.keySet()) {
            SafeTensorsReader source = master.get(name);
            if (source != null) {
              TensorDirectory.copy(source, OptimizerFiles.MASTER + name, w, name);
            } else {
              old.copy(name, w);
            }
          }
          w.commit();
        }
        for (int i = 0; i < states.size(); i++) {
          SafeTensorsReader r = states.get(i);
          // the moments; and the fp32 master of parameters stored in 16 bits (of fp32 ones, the weights are the master)
          List<SafeTensors.Entry> kept = r.entries().values().stream().filter(e -> !e.name().startsWith(OptimizerFiles.MASTER)
              || isSixteenBit(stored.get(e.name().substring(OptimizerFiles.MASTER.length())))).toList();
          try (SafeTensorsWriter w = SafeTensorsWriter.create(tmp.resolve(OptimizerFiles.name(i, states.size())), kept,
              r.metadata())) {
            for (SafeTensors.Entry e : kept) {
              TensorDirectory.copy(r, e.name(), w, e.name());
            }
            w.commit();
          }
          if (i == 0 && SliceUpdate.POLICY.equals(model)) {
            ctx.maybeCrash("checkpoint"); // half-written: the temporary directory is all that exists
          }
        }
        Files.writeString(tmp.resolve(GradientStep.TRAINER_STATE), JSON.writeValueAsString(state));
        manifests.write(tmp, ctx, step);
      });
      return first;
    } finally {
      states.forEach(SafeTensorsReader::close);
    }
  }

  private static boolean isSixteenBit(SafeTensors.Entry stored) {
    return stored != null && stored.dtype() != SafeTensors.DType.F32;
  }
}
