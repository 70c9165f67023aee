package dev.spro.transforms.stages;

import dev.spro.models.engine.NativeMemory;
import dev.spro.transforms.metrics.ProcessMemory;
import dev.spro.transforms.metrics.TaskClock;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.checkpoint.SafeTensorsWriter;
import dev.spro.models.checkpoint.TensorDirectory;
import dev.spro.models.nn.Scalars;
import dev.spro.models.nn.Scorer;
import dev.spro.models.nn.Transformer;
import dev.spro.models.train.Gradients;
import dev.spro.models.train.ParameterSlices;
import dev.spro.schemas.TrainingExample;
import dev.spro.transforms.loss.LossAggregation;
import dev.spro.transforms.loss.LossResult;
import dev.spro.transforms.loss.PolicyLoss;
import dev.spro.transforms.loss.PolicyLossConfig;
import dev.spro.transforms.loss.PrimeRewardModelLoss;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Stage 6: the policy update, written as checkpoint k+1. No tensor travels in a Beam element:
 * gradients, master weights and moments go through files in the iteration's scratch directory,
 * and the elements carry their paths and sha256 ({@link TensorFile}).
 *
 * <ol>
 *   <li>Workers compute, shard by shard, the gradient of their share of the batch loss (PPO clip,
 *       optional KL and entropy terms) over micro-batches, each weighted by its share of the
 *       batch's responses or tokens ({@link BatchTotals}) so that shards simply add up, and write
 *       it as one file per parameter slice ({@link ShardGradientFn}).
 *   <li>The owner of each slice sums that slice over the shards in shard order, then — once every
 *       slice has its sum of squares — clips by the global norm and applies AdamW to its slice of
 *       the fp32 master weights and moments ({@link SliceUpdate}): ZeRO-1, no worker holds more
 *       than its slices of the optimizer state.
 *   <li>One worker writes checkpoint k+1 from the slices: weights in the checkpoint's dtype,
 *       optimizer state per slice (with the fp32 master of 16-bit weights), trainer state and a
 *       manifest with every file's sha256, atomically ({@link CommitCheckpointFn}).
 * </ol>
 *
 * Every file is streamed a chunk at a time, so a worker's memory for the step is a few chunks,
 * not a slice; the number of slices ({@link #sliceCount}) spreads the work; slicing does not
 * change any number (the update is element-wise and both sums have fixed orders). PRIME also
 * trains its implicit reward model here with its cross-entropy loss, and writes it next to the
 * policy. The output is the step's metrics as one JSON object.
 */
public final class GradientStep extends PTransform<PCollection<TrainingExample>, PCollection<String>> {
  public static final String METRICS_NAMESPACE = "spro.gradient";
  /** The optimizer's compute per task ({@code TaskClock}), beside the gradient's {@code task_micros}. */
  public static final String APPLY_TASK_MICROS = "apply_task_micros";
  public static final String TRAINER_STATE = "trainer_state.json";
  public static final String MANIFEST = CheckpointIntegrity.MANIFEST;
  /** The engine allows one gradient collector per JVM: shards in one JVM take turns. */
  private static final Object COLLECTOR_LOCK = new Object();

  private final IterationContext ctx;
  private final CheckpointManifests manifests;
  private final PCollection<?> commitAfter;

  public GradientStep(IterationContext ctx, CheckpointManifests manifests) {
    this(ctx, manifests, null);
  }

  private GradientStep(IterationContext ctx, CheckpointManifests manifests, PCollection<?> commitAfter) {
    this.ctx = ctx;
    this.manifests = manifests;
    this.commitAfter = commitAfter;
  }

  /**
   * This step, with checkpoint k+1 committed only once {@code done} is complete (something the
   * iteration must have before it counts as finished, such as its batch metrics). Only the commit
   * waits: the gradient is computed meanwhile.
   */
  public GradientStep commitAfter(PCollection<?> done) {
    return new GradientStep(ctx, manifests, done);
  }

  @Override
  public PCollection<String> expand(PCollection<TrainingExample> examples) {
    PCollectionView<BatchTotals> totals = examples
        .apply("Sizes", MapElements.into(TypeDescriptor.of(BatchTotals.class)).via(BatchTotals::of))
        .setCoder(SerializableCoder.of(BatchTotals.class))
        .apply("BatchTotals", Combine.globally(new BatchTotals.Fn()))
        .apply(View.asSingleton());
    int slices = sliceCount(ctx);
    PCollectionView<List<ShardGradient>> shards = examples
        .apply("Shards", Shards.group(TrainingExample::getPromptId, AvroCoder.of(TrainingExample.class), ctx.shards()))
        .apply("ShardGradients", ParDo.of(new ShardGradientFn(ctx, totals, slices)).withSideInputs(totals))
        .setCoder(SerializableCoder.of(ShardGradient.class))
        .apply("AllShardGradients", View.asList());
    List<KV<String, Integer>> work = new ArrayList<>();
    for (String model : ctx.prime() ? List.of(SliceUpdate.PRM, SliceUpdate.POLICY) : List.of(SliceUpdate.POLICY)) {
      for (int s = 0; s < slices; s++) {
        work.add(KV.of(model, s));
      }
    }
    // Each slice goes to its owner by a hash of its index; the side input makes them wait for every shard.
    PCollection<SliceUpdate.SliceSum> sums = examples.getPipeline()
        .apply("Slices", Create.of(work).withCoder(KvCoder.of(StringUtf8Coder.of(), VarIntCoder.of())))
        .apply("SliceOwners", Shards.byKey((KV<String, Integer> kv) -> kv.getValue(),
            KvCoder.of(StringUtf8Coder.of(), VarIntCoder.of())))
        .apply("SumSlices", ParDo.of(new SliceUpdate.SumFn(ctx, shards)).withSideInputs(shards))
        .setCoder(SerializableCoder.of(SliceUpdate.SliceSum.class));
    PCollectionView<List<SliceUpdate.SliceSum>> allSums = sums.apply("AllSliceSums", View.asList());
    PCollectionView<List<SliceUpdate.SliceState>> states = sums
        .apply("SliceOwnersAgain", Shards.byKey((SliceUpdate.SliceSum s) -> s.slice(),
            SerializableCoder.of(SliceUpdate.SliceSum.class)))
        .apply("ApplySlices", ParDo.of(new SliceUpdate.ApplyFn(ctx, allSums)).withSideInputs(allSums))
        .setCoder(SerializableCoder.of(SliceUpdate.SliceState.class))
        .apply("AllSliceStates", View.asList());
    // One element, so the checkpoint is written exactly once — also when every group was filtered out.
    PCollection<Integer> once = examples.getPipeline().apply("Once", Create.of(ctx.iteration()));
    if (commitAfter != null) {
      once = once.apply("AfterDone", Wait.on(commitAfter));
    }
    return once
        .apply("CommitCheckpoint", ParDo.of(new CommitCheckpointFn(ctx, manifests, shards, states))
            .withSideInputs(shards, states))
        .setCoder(StringUtf8Coder.of());
  }

  /** The most fp32 bytes of one slice (its files: gradient sum, master and moments), whole tensors aside. */
  static final long SLICE_BYTES = 256L << 20;

  /**
   * Slices of the optimizer step: one per worker shard at least, and enough that none holds more
   * than {@link #SLICE_BYTES} of fp32 values (8 for a 0.5B model), so the step spreads over the
   * workers and no state file grows with the model. (A slice owner's memory is one chunk of each
   * file, whatever the slice's size: the slices are streamed.) From the policy checkpoint's
   * header; slicing changes no number.
   */
  static int sliceCount(IterationContext ctx) {
    long elements = SafeTensors.header(ctx.policy().resolve(ModelCheckpoint.WEIGHTS)).entries().values().stream()
        .mapToLong(SafeTensors.Entry::elementCount).sum();
    return (int) Math.max(ctx.shards(), Math.min(256, (elements * 4 + SLICE_BYTES - 1) / SLICE_BYTES));
  }

  /** Writes a checkpoint directory's manifest (implemented where the run directory is known). */
  public interface CheckpointManifests extends java.io.Serializable {
    void write(Path checkpointDir, IterationContext ctx, long optimizerStep) throws IOException;
  }

  /** {@code rows} of per-token values as a {@code [rows, width]} array padded with 0. */
  static NDArray padded(NDManager m, List<List<Float>> rows, int width) {
    float[] flat = new float[rows.size() * width];
    for (int i = 0; i < rows.size(); i++) {
      List<Float> r = rows.get(i);
      for (int t = 0; t < r.size(); t++) {
        flat[i * width + t] = r.get(t);
      }
    }
    return m.create(flat, new Shape(rows.size(), width));
  }

  static final class ShardGradientFn extends DoFn<KV<Integer, Iterable<TrainingExample>>, ShardGradient> {
    private final Counter examplesSeen = Metrics.counter(METRICS_NAMESPACE, "examples");
    private final Counter micros = Metrics.counter(METRICS_NAMESPACE, "micros");
    private final TaskClock clock = new TaskClock(METRICS_NAMESPACE);
    private final IterationContext ctx;
    private final PCollectionView<BatchTotals> totalsView;
    private final int slices;
    private transient ResidentModels.Lease policyLease;
    private transient ResidentModels.Lease prmLease;
    private transient Transformer policy;
    private transient Transformer prm;

    ShardGradientFn(IterationContext ctx, PCollectionView<BatchTotals> totalsView, int slices) {
      this.ctx = ctx;
      this.totalsView = totalsView;
      this.slices = slices;
    }

    /**
     * The JVM's resident policy (and PRIME's model), shared with sampling and scoring: this stage
     * accumulates gradients on it, one shard at a time ({@code COLLECTOR_LOCK}), and zeroes them.
     */
    private void acquire() {
      if (policyLease == null) {
        policyLease = ResidentModels.acquire(ctx.model(), ctx.policy());
        policy = policyLease.model();
        if (ctx.prime()) {
          prmLease = ResidentModels.acquire(ctx.model(), ctx.prm());
          prm = prmLease.model();
        }
      }
    }

    @ProcessElement
    public void process(ProcessContext c) {
      try (ProcessMemory.Window memory = ProcessMemory.open(METRICS_NAMESPACE)) {
        ctx.maybeCrash("gradient");
        acquire();
        long start = System.nanoTime();
        BatchTotals totals = c.sideInput(totalsView);
        List<TrainingExample> all = new ArrayList<>();
        c.element().getValue().forEach(all::add);
        all.sort(Comparator.comparing(TrainingExample::getPromptId).thenComparing(TrainingExample::getSampleIndex));
        PolicyLossConfig loss = ctx.loss();
        if (loss.aggregation() == LossAggregation.SEQ_MEAN_TOKEN_SUM_NORM && loss.normLength() == 0) {
          // a constant divisor across micro-batches and shards: the batch's longest response
          loss = new PolicyLossConfig(loss.clipLow(), loss.clipHigh(), loss.dualClip(), loss.aggregation(),
              totals.maxResponseLength(), loss.klCoef(), loss.klEstimator(), loss.entropyCoef());
        }
        LinkedHashMap<String, Double> diagnostics = new LinkedHashMap<>();
        List<TensorFile> policyFiles;
        List<TensorFile> prmFiles = List.of();
        synchronized (COLLECTOR_LOCK) {
          NDManager base = policy.parameters().values().iterator().next().getManager();
          for (List<TrainingExample> mb : MicroBatches.split(all, ctx.train().microBatch(), ctx.train().microBatchTokens(),
              e -> e.getPromptTokenIds().size() + e.getResponseTokenIds().size())) {
            long tokens = mb.stream().mapToLong(e -> e.getResponseTokenIds().size()).sum();
            double weight = switch (loss.aggregation()) {
              case TOKEN_MEAN -> (double) tokens / totals.tokens();
              case SEQ_MEAN_TOKEN_SUM, SEQ_MEAN_TOKEN_MEAN -> (double) mb.size() / totals.sequences();
              case SEQ_MEAN_TOKEN_SUM_NORM -> (double) mb.size() / totals.sequences();
            };
            List<int[]> prompts = mb.stream().map(e -> Lists.ints(e.getPromptTokenIds())).toList();
            List<int[]> responses = mb.stream().map(e -> Lists.ints(e.getResponseTokenIds())).toList();
            policyMicroBatch(base, mb, prompts, responses, loss, weight).diagnostics()
                .forEach((k, v) -> diagnostics.merge(k, v * weight, Double::sum));
            if (prm != null) {
              try (NDManager m = base.newSubManager(); GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Scorer.TokenScores s = Scorer.score(prm, m, prompts, responses, 0);
                int width = (int) s.mask().getShape().get(1);
                NDArray ref = padded(m, mb.stream().map(TrainingExample::getRefLogprobs).toList(), width);
                float[] outcome = new float[mb.size()];
                for (int i = 0; i < mb.size(); i++) {
                  outcome[i] = (float) mb.get(i).getOutcomeReward();
                }
                LossResult r = PrimeRewardModelLoss.compute(s.logProbs(), ref, s.mask(), m.create(outcome), ctx.train().primeBeta());
                double w = (double) mb.size() / totals.sequences();
                collector.backward(r.loss().mul(Scalars.of(r.loss(), w)));
                r.diagnostics().forEach((k, v) -> diagnostics.merge(k, v * w, Double::sum));
              }
            }
            examplesSeen.inc(mb.size());
            NativeMemory.release();
          }
          int shard = c.element().getKey();
          policyFiles = take(policy, SliceUpdate.POLICY, shard);
          if (prm != null) {
            prmFiles = take(prm, SliceUpdate.PRM, shard);
          }
        }
        c.output(new ShardGradient(c.element().getKey(), policyFiles, prmFiles, diagnostics));
        micros.inc(clock.addSince(start));
      }
    }

    /**
     * Accumulates {@code weight} times the gradient of the policy loss of micro-batch {@code mb}
     * on the policy. The entropy gets a gradient only when the loss has an entropy term. With a
     * real vocabulary the logits span several chunks, and the backward keeps one alive at a time
     * ({@link Scorer#backward}); below that the plain backward gives the same gradient.
     */
    private LossResult policyMicroBatch(NDManager base, List<TrainingExample> mb, List<int[]> prompts, List<int[]> responses,
        PolicyLossConfig loss, double weight) {
      try (NDManager m = base.newSubManager(); GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        boolean entropyGradient = loss.entropyCoef() != 0;
        Function<Scorer.TokenScores, LossResult> lossOf = s -> {
          int width = (int) s.mask().getShape().get(1);
          NDArray old = padded(m, mb.stream().map(TrainingExample::getOldLogprobs).toList(), width);
          NDArray ref = padded(m, mb.stream().map(TrainingExample::getRefLogprobs).toList(), width);
          NDArray adv = padded(m, mb.stream().map(TrainingExample::getAdvantages).toList(), width);
          return PolicyLoss.compute(s.logProbs(), old, adv, s.mask(), ref, s.entropy(), loss);
        };
        Function<LossResult, NDArray> weighted = r -> r.loss().mul(Scalars.of(r.loss(), weight));
        int longest = responses.stream().mapToInt(r -> r.length).max().orElse(0);
        if (Scorer.needsChunks(policy, mb.size(), longest)) {
          return Scorer.backward(policy, m, prompts, responses, entropyGradient, lossOf, weighted, collector);
        }
        LossResult r = lossOf.apply(Scorer.score(policy, m, prompts, responses, 0, entropyGradient, false));
        collector.backward(weighted.apply(r));
        return r;
      }
    }

    /**
     * Writes the accumulated gradients, one file per parameter slice (names in sorted order, cut
     * by {@link ParameterSlices}), a chunk of a tensor at a time; the model's gradients are zeroed.
     */
    private List<TensorFile> take(Transformer model, String name, int shard) {
      Map<String, Long> sizes = new TreeMap<>();
      model.parameters().forEach((n, p) -> sizes.put(n, p.size()));
      List<TensorFile> files = new ArrayList<>();
      List<List<String>> parts = ParameterSlices.of(sizes, slices);
      for (int s = 0; s < parts.size(); s++) {
        List<SafeTensors.Entry> entries = new ArrayList<>();
        for (String n : parts.get(s)) {
          entries.add(new SafeTensors.Entry(n, SafeTensors.DType.F32, model.parameters().get(n).getShape().getShape()));
        }
        Path file = SliceUpdate.scratch(ctx).resolve(String.format(Locale.ROOT, "%s-shard-%03d-slice-%02d.safetensors",
            name, shard, s));
        try (SafeTensorsWriter out = TensorFile.create(file, entries, Map.of())) {
          for (String n : parts.get(s)) {
            try (NDArray g = model.parameters().get(n).getGradient(); NDArray flat = g.reshape(-1)) {
              long count = flat.size();
              for (long at = 0; at < count; at += TensorDirectory.CHUNK) {
                long to = Math.min(count, at + TensorDirectory.CHUNK);
                try (NDArray chunk = flat.get(at + ":" + to)) {
                  out.write(n, at, chunk.toFloatArray(), 0, (int) (to - at));
                }
              }
            }
          }
          files.add(TensorFile.commit(out));
        }
      }
      Gradients.zero(model.parameters());
      return files;
    }

    @FinishBundle
    public void finishBundle() {
      clock.finishBundle();
    }

    @Teardown
    public void teardown() {
      if (policyLease != null) {
        policyLease.close();
      }
      if (prmLease != null) {
        prmLease.close();
      }
    }
  }
}
