package dev.spro.transforms.stages;

import dev.spro.models.engine.NativeMemory;
import dev.spro.transforms.metrics.ProcessMemory;
import dev.spro.transforms.metrics.TaskClock;
import dev.spro.models.nn.Scorer;
import dev.spro.models.nn.Transformer;
import dev.spro.schemas.ScoredRollout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Stage 4: a full forward pass of the policy of this iteration and of the frozen reference over
 * prompt + response: per-token log pi_old, log pi_ref and the policy's entropy — the inputs of
 * SPRO's self-guided process reward {@code beta (log pi_old - log pi_ref)}. For PRIME, the
 * implicit reward model's log-probs too. Rollouts are sharded by prompt and scored in sorted
 * batches, so the numbers do not depend on the runner's distribution.
 */
public final class SelfGuidedReward extends PTransform<PCollection<ScoredRollout>, PCollection<ScoredRollout>> {
  public static final String METRICS_NAMESPACE = "spro.score";
  private final IterationContext ctx;

  public SelfGuidedReward(IterationContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public PCollection<ScoredRollout> expand(PCollection<ScoredRollout> in) {
    return in
        .apply("Shards", Shards.group((ScoredRollout s) -> s.getRollout().getPromptId(),
            AvroCoder.of(ScoredRollout.class), ctx.shards()))
        .apply("LogProbs", ParDo.of(new ScoreFn(ctx)))
        .setCoder(AvroCoder.of(ScoredRollout.class));
  }

  /** Orders rollouts by (prompt id, sample index): the order every stage processes them in. */
  public static final Comparator<ScoredRollout> ORDER =
      Comparator.comparing((ScoredRollout s) -> s.getRollout().getPromptId()).thenComparing(s -> s.getRollout().getSampleIndex());

  static final class ScoreFn extends DoFn<KV<Integer, Iterable<ScoredRollout>>, ScoredRollout> {
    private final Counter scored = Metrics.counter(METRICS_NAMESPACE, "rollouts");
    private final Counter micros = Metrics.counter(METRICS_NAMESPACE, "micros");
    private final TaskClock clock = new TaskClock(METRICS_NAMESPACE);
    private final IterationContext ctx;
    private transient List<ResidentModels.Lease> leases;
    private transient Transformer policy;
    private transient Transformer reference;
    private transient Transformer prm;

    ScoreFn(IterationContext ctx) {
      this.ctx = ctx;
    }

    /** The resident models, taken at the first element (so loads are counted in the stage's metrics). */
    private void acquire() {
      if (leases != null) {
        return;
      }
      leases = new ArrayList<>();
      policy = take(ctx.policy());
      reference = take(Path.of(ctx.reference()));
      if (ctx.prime()) {
        prm = take(ctx.prm());
      }
    }

    private Transformer take(Path checkpoint) {
      ResidentModels.Lease lease = ResidentModels.acquire(ctx.model(), checkpoint);
      leases.add(lease);
      return lease.model();
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<ScoredRollout>> shard, OutputReceiver<ScoredRollout> out) {
      try (ProcessMemory.Window memory = ProcessMemory.open(METRICS_NAMESPACE)) {
        ctx.maybeCrash("score");
        acquire();
        long start = System.nanoTime();
        List<ScoredRollout> all = new ArrayList<>();
        shard.getValue().forEach(all::add);
        all.sort(ORDER);
        for (List<ScoredRollout> batch : MicroBatches.split(all, ctx.sampling().batchRows(), ctx.sampling().batchTokens(),
            s -> s.getRollout().getPromptTokenIds().size() + s.getRollout().getResponseTokenIds().size())) {
          List<int[]> prompts = batch.stream().map(s -> Lists.ints(s.getRollout().getPromptTokenIds())).toList();
          List<int[]> responses = batch.stream().map(s -> Lists.ints(s.getRollout().getResponseTokenIds())).toList();
          var manager = policy.parameters().values().iterator().next().getManager();
          float[][][] old = Scorer.scoreToArrays(policy, manager, prompts, responses, 0);
          float[][][] ref = Scorer.scoreToArrays(reference, manager, prompts, responses, 0);
          float[][][] phi = prm == null ? null : Scorer.scoreToArrays(prm, manager, prompts, responses, 0);
          NativeMemory.release();
          for (int i = 0; i < batch.size(); i++) {
            ScoredRollout.Builder b = ScoredRollout.newBuilder(batch.get(i))
                .setOldLogprobs(Lists.of(old[0][i]))
                .setRefLogprobs(Lists.of(ref[0][i]))
                .setEntropies(Lists.of(old[1][i]));
            if (phi != null) {
              b.setPrmLogprobs(Lists.of(phi[0][i]));
            }
            out.output(b.build());
            scored.inc();
          }
        }
        micros.inc(clock.addSince(start));
      }
    }

    @FinishBundle
    public void finishBundle() {
      clock.finishBundle();
    }

    @Teardown
    public void teardown() {
      if (leases != null) {
        leases.forEach(ResidentModels.Lease::close);
      }
    }
  }
}
