package dev.spro.transforms.stages;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.nn.Scalars;
import dev.spro.models.nn.Scorer;
import dev.spro.models.nn.Transformer;
import dev.spro.models.train.AdamW;
import dev.spro.models.train.Gradients;
import dev.spro.schemas.TrainingExample;
import dev.spro.transforms.loss.LossAggregation;
import dev.spro.transforms.loss.LossResult;
import dev.spro.transforms.loss.PolicyLoss;
import dev.spro.transforms.loss.PolicyLossConfig;
import dev.spro.transforms.loss.PrimeRewardModelLoss;
import dev.spro.transforms.metrics.MetricNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
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
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Stage 6: the policy update, written as checkpoint k+1.
 *
 * <ol>
 *   <li>Workers compute, shard by shard, the gradient of their share of the batch loss (PPO clip,
 *       optional KL and entropy terms) over micro-batches, each weighted by its share of the
 *       batch's responses or tokens ({@link BatchTotals}) so that shards simply add up.
 *   <li>One worker sums the shards' gradients in shard order — not in the order they finished —
 *       clips the global norm, applies AdamW (state from checkpoint k), and writes checkpoint k+1:
 *       weights, optimizer moments, trainer state and a manifest with every file's sha256,
 *       atomically (a temporary directory renamed into place).
 * </ol>
 *
 * PRIME also trains its implicit reward model here with its cross-entropy loss, and writes it
 * next to the policy. The output is the step's metrics as one JSON object.
 */
public final class GradientStep extends PTransform<PCollection<TrainingExample>, PCollection<String>> {
  public static final String METRICS_NAMESPACE = "spro.gradient";
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String TRAINER_STATE = "trainer_state.json";
  public static final String MANIFEST = CheckpointIntegrity.MANIFEST;
  /** The engine allows one gradient collector per JVM: shards in one JVM take turns. */
  private static final Object COLLECTOR_LOCK = new Object();
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final IterationContext ctx;
  private final CheckpointManifests manifests;

  public GradientStep(IterationContext ctx, CheckpointManifests manifests) {
    this.ctx = ctx;
    this.manifests = manifests;
  }

  @Override
  public PCollection<String> expand(PCollection<TrainingExample> examples) {
    PCollectionView<BatchTotals> totals = examples
        .apply("Sizes", MapElements.into(TypeDescriptor.of(BatchTotals.class)).via(BatchTotals::of))
        .setCoder(SerializableCoder.of(BatchTotals.class))
        .apply("BatchTotals", Combine.globally(new BatchTotals.Fn()))
        .apply(View.asSingleton());
    PCollectionView<Iterable<ShardGradient>> shards = examples
        .apply("Shards", Shards.group(TrainingExample::getPromptId, AvroCoder.of(TrainingExample.class), ctx.shards()))
        .apply("ShardGradients", ParDo.of(new ShardGradientFn(ctx, totals)).withSideInputs(totals))
        .setCoder(SerializableCoder.of(ShardGradient.class))
        .apply(View.asIterable());
    // One element, so the update runs exactly once — also when every group was filtered out.
    return examples.getPipeline()
        .apply("Once", Create.of(ctx.iteration()))
        .apply("ApplyUpdate", ParDo.of(new ApplyStepFn(ctx, manifests, shards)).withSideInputs(shards))
        .setCoder(StringUtf8Coder.of());
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
    private final IterationContext ctx;
    private final PCollectionView<BatchTotals> totalsView;
    private transient Transformer policy;
    private transient Transformer prm;

    ShardGradientFn(IterationContext ctx, PCollectionView<BatchTotals> totalsView) {
      this.ctx = ctx;
      this.totalsView = totalsView;
    }

    @Setup
    public void setup() {
      policy = ctx.model().load(ctx.policy());
      if (ctx.prime()) {
        prm = ctx.model().load(ctx.prm());
      }
    }

    @ProcessElement
    public void process(ProcessContext c) {
      ctx.maybeCrash("gradient");
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
      LinkedHashMap<String, float[]> policyGrads;
      LinkedHashMap<String, float[]> prmGrads = new LinkedHashMap<>();
      synchronized (COLLECTOR_LOCK) {
        NDManager base = policy.parameters().values().iterator().next().getManager();
        for (int from = 0; from < all.size(); from += ctx.train().microBatch()) {
          List<TrainingExample> mb = all.subList(from, Math.min(all.size(), from + ctx.train().microBatch()));
          long tokens = mb.stream().mapToLong(e -> e.getResponseTokenIds().size()).sum();
          double weight = switch (loss.aggregation()) {
            case TOKEN_MEAN -> (double) tokens / totals.tokens();
            case SEQ_MEAN_TOKEN_SUM, SEQ_MEAN_TOKEN_MEAN -> (double) mb.size() / totals.sequences();
            case SEQ_MEAN_TOKEN_SUM_NORM -> (double) mb.size() / totals.sequences();
          };
          List<int[]> prompts = mb.stream().map(e -> Lists.ints(e.getPromptTokenIds())).toList();
          List<int[]> responses = mb.stream().map(e -> Lists.ints(e.getResponseTokenIds())).toList();
          try (NDManager m = base.newSubManager(); GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Scorer.TokenScores s = Scorer.score(policy, m, prompts, responses, 0);
            int width = (int) s.mask().getShape().get(1);
            NDArray old = padded(m, mb.stream().map(TrainingExample::getOldLogprobs).toList(), width);
            NDArray ref = padded(m, mb.stream().map(TrainingExample::getRefLogprobs).toList(), width);
            NDArray adv = padded(m, mb.stream().map(TrainingExample::getAdvantages).toList(), width);
            LossResult r = PolicyLoss.compute(s.logProbs(), old, adv, s.mask(), ref, s.entropy(), loss);
            collector.backward(r.loss().mul(Scalars.of(r.loss(), weight)));
            r.diagnostics().forEach((k, v) -> diagnostics.merge(k, v * weight, Double::sum));
          }
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
        }
        policyGrads = take(policy);
        if (prm != null) {
          prmGrads = take(prm);
        }
      }
      c.output(new ShardGradient(c.element().getKey(), policyGrads, prmGrads, diagnostics));
      micros.inc((System.nanoTime() - start) / 1000);
    }

    /** The accumulated gradients as arrays; the model's gradients are zeroed. */
    private static LinkedHashMap<String, float[]> take(Transformer model) {
      LinkedHashMap<String, float[]> out = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
        try (NDArray g = e.getValue().getGradient()) {
          out.put(e.getKey(), g.toFloatArray());
        }
      }
      Gradients.zero(model.parameters());
      return out;
    }

    @Teardown
    public void teardown() {
      if (policy != null) {
        policy.close();
      }
      if (prm != null) {
        prm.close();
      }
    }
  }

  static final class ApplyStepFn extends DoFn<Integer, String> {
    private final Counter steps = Metrics.counter(METRICS_NAMESPACE, "optimizer_steps");
    private final Counter applyMicros = Metrics.counter(METRICS_NAMESPACE, "apply_micros");
    private final IterationContext ctx;
    private final CheckpointManifests manifests;
    private final PCollectionView<Iterable<ShardGradient>> shardsView;

    ApplyStepFn(IterationContext ctx, CheckpointManifests manifests, PCollectionView<Iterable<ShardGradient>> shardsView) {
      this.ctx = ctx;
      this.manifests = manifests;
      this.shardsView = shardsView;
    }

    @ProcessElement
    public void process(ProcessContext c) throws IOException {
      long start = System.nanoTime();
      List<ShardGradient> shards = new ArrayList<>();
      c.sideInput(shardsView).forEach(shards::add);
      shards.sort(Comparator.comparingInt(ShardGradient::shard));
      Map<String, double[]> policyGrad = new LinkedHashMap<>();
      Map<String, double[]> prmGrad = new LinkedHashMap<>();
      Map<String, Double> metrics = new LinkedHashMap<>();
      for (ShardGradient s : shards) {
        ShardGradient.accumulate(policyGrad, s.policy());
        ShardGradient.accumulate(prmGrad, s.prm());
        s.diagnostics().forEach((k, v) -> metrics.merge(k, v, Double::sum));
      }
      Files.createDirectories(ctx.nextPolicy().getParent());
      if (ctx.prime()) {
        // The reward model first: the policy's checkpoint, written last, is the iteration's commit.
        Map<String, Double> prmStep = update(ctx.prm(), ctx.nextPrm(), prmGrad, ctx.train().primeLr(), false, Map.of());
        metrics.put("prm/grad_norm", prmStep.get(MetricNames.ACTOR_GRAD_NORM));
      }
      metrics.putAll(update(ctx.policy(), ctx.nextPolicy(), policyGrad, Double.NaN, true, metrics));
      steps.inc();
      applyMicros.inc((System.nanoTime() - start) / 1000);
      c.output(JSON.writeValueAsString(metrics));
    }

    /**
     * Applies {@code grad} to the model in {@code from} and writes it to {@code to}; {@code lr}
     * NaN means the run's schedule at the optimizer's step.
     */
    private Map<String, Double> update(Path from, Path to, Map<String, double[]> grad, double fixedLr, boolean policy,
        Map<String, Double> diagnostics) throws IOException {
      Map<String, Double> metrics = new LinkedHashMap<>();
      try (Transformer model = ctx.model().load(from)) {
        NDManager base = model.parameters().values().iterator().next().getManager();
        Path optimizerFile = from.resolve(OPTIMIZER);
        AdamW opt = Files.exists(optimizerFile)
            ? AdamW.load(optimizerFile, ctx.train().adam(), base, model.dataType())
            : new AdamW(ctx.train().adam(), base);
        double lr = Double.isNaN(fixedLr) ? ctx.train().lrSchedule().lr(opt.step()) : fixedLr;
        double sumSquares = 0;
        for (double[] g : grad.values()) {
          for (double v : g) {
            sumSquares += v * v;
          }
        }
        double norm = Math.sqrt(sumSquares);
        double scale;
        try {
          scale = Gradients.clipScale(norm, ctx.train().gradClip());
        } catch (IllegalStateException e) {
          throw new IllegalStateException("iteration " + ctx.iteration() + ": " + e.getMessage(), e);
        }
        try (NDManager m = base.newSubManager()) {
          Map<String, NDArray> grads = new LinkedHashMap<>();
          for (Map.Entry<String, NDArray> p : model.parameters().entrySet()) {
            double[] g = grad.get(p.getKey());
            float[] values = new float[(int) p.getValue().size()];
            if (g != null) {
              for (int i = 0; i < values.length; i++) {
                values[i] = (float) (g[i] * scale);
              }
            }
            grads.put(p.getKey(), m.create(values, p.getValue().getShape()));
          }
          opt.update(model.parameters(), grads, lr);
        }
        metrics.put(MetricNames.ACTOR_GRAD_NORM, norm);
        metrics.put(MetricNames.ACTOR_LR, lr);
        long optimizerStep = opt.step();
        Map<String, ModelCheckpoint.FileWriter> extra = new LinkedHashMap<>();
        extra.put(OPTIMIZER, file -> {
          opt.save(file);
          if (policy) {
            ctx.maybeCrash("checkpoint"); // half-written: the temporary directory is all that exists
          }
        });
        Map<String, Object> state = new java.util.TreeMap<>(diagnostics);
        state.put("iteration", ctx.iteration() + 1);
        state.put("optimizer_step", optimizerStep);
        state.put(MetricNames.ACTOR_LR, lr);
        state.put(MetricNames.ACTOR_GRAD_NORM, norm);
        extra.put(TRAINER_STATE, file -> Files.writeString(file, JSON.writeValueAsString(state)));
        extra.put(MANIFEST, file -> manifests.write(file.getParent(), ctx, optimizerStep));
        ModelCheckpoint.save(model, to, extra);
        opt.close();
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      return metrics;
    }
  }
}
