package dev.spro.transforms.stages;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.checkpoint.OptimizerFiles;
import dev.spro.models.checkpoint.SafeTensors;
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

  private static List<SliceUpdate.SliceState> of(List<SliceUpdate.SliceState> states, String model) {
    return states.stream().filter(s -> s.model().equals(model)).toList();
  }

  /** Writes {@code model}'s next checkpoint from its slices; returns the first slice's state (step, rate, norm). */
  private SliceUpdate.SliceState write(String model, List<SliceUpdate.SliceState> slices, Map<String, Double> diagnostics)
      throws IOException {
    Path from = SliceUpdate.from(ctx, model);
    Path to = SliceUpdate.to(ctx, model);
    CheckpointIntegrity.verify(from);
    Path weights = from.resolve(ModelCheckpoint.WEIGHTS);
    SafeTensors.Contents stored = SafeTensors.header(weights);
    Map<String, float[]> master = new LinkedHashMap<>();
    List<List<SafeTensors.Tensor>> optimizerFiles = new ArrayList<>();
    Map<String, String> optimizerMeta = Map.of();
    for (SliceUpdate.SliceState s : slices) {
      SafeTensors.Contents c = s.state().read();
      List<SafeTensors.Tensor> kept = new ArrayList<>();
      for (SafeTensors.Tensor t : c.tensors().values()) {
        if (t.name().startsWith(OptimizerFiles.MASTER)) {
          String name = t.name().substring(OptimizerFiles.MASTER.length());
          master.put(name, t.values());
          SafeTensors.Entry e = stored.entries().get(name);
          if (e != null && e.dtype() != SafeTensors.DType.F32) {
            kept.add(t); // 16-bit weights: the fp32 master travels with the moments
          }
        } else {
          kept.add(t);
        }
      }
      optimizerFiles.add(kept);
      optimizerMeta = c.metadata();
    }
    // every tensor of the old file: updated ones from their master, others (not trained) as they were
    List<String> untouched = stored.entries().keySet().stream().filter(n -> !master.containsKey(n)).toList();
    Map<String, SafeTensors.Tensor> old = untouched.isEmpty() ? Map.of() : SafeTensors.read(weights, untouched::contains).tensors();
    List<SafeTensors.Tensor> tensors = new ArrayList<>();
    for (SafeTensors.Entry e : stored.entries().values()) {
      float[] values = master.containsKey(e.name()) ? master.get(e.name()) : old.get(e.name()).values();
      tensors.add(new SafeTensors.Tensor(e.name(), e.dtype(), e.shape(), values));
    }
    SliceUpdate.SliceState first = slices.get(0);
    long step = first.step();
    Map<String, String> meta = optimizerMeta;
    Map<String, Object> state = new TreeMap<>(diagnostics);
    state.put("iteration", ctx.iteration() + 1);
    state.put("optimizer_step", step);
    state.put(MetricNames.ACTOR_LR, first.lr());
    state.put(MetricNames.ACTOR_GRAD_NORM, first.gradNorm());
    AtomicFiles.writeDirectory(to, tmp -> {
      Files.copy(from.resolve(ModelCheckpoint.CONFIG), tmp.resolve(ModelCheckpoint.CONFIG));
      SafeTensors.write(tmp.resolve(ModelCheckpoint.WEIGHTS), tensors, stored.metadata());
      for (int i = 0; i < optimizerFiles.size(); i++) {
        SafeTensors.write(tmp.resolve(OptimizerFiles.name(i, optimizerFiles.size())), optimizerFiles.get(i), meta);
        if (i == 0 && SliceUpdate.POLICY.equals(model)) {
          ctx.maybeCrash("checkpoint"); // half-written: the temporary directory is all that exists
        }
      }
      Files.writeString(tmp.resolve(GradientStep.TRAINER_STATE), JSON.writeValueAsString(state));
      manifests.write(tmp, ctx, step);
    });
    return first;
  }
}
