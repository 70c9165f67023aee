package dev.spro.transforms.stages;

import dev.spro.schemas.Rollout;
import dev.spro.schemas.ScoredRollout;
import dev.spro.transforms.reward.Verifier;
import dev.spro.transforms.reward.VerifierRegistry;
import java.util.List;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Stage 3: the verifiable outcome reward of each rollout, from the verifier its {@code
 * data_source} selects. An unknown data source fails the stage, naming it and the known ones
 * (unless exact-match fallback is on). Log-prob arrays stay empty until {@link SelfGuidedReward}.
 */
public final class OutcomeReward extends PTransform<PCollection<Rollout>, PCollection<ScoredRollout>> {
  public static final String METRICS_NAMESPACE = "spro.reward";
  private final IterationContext ctx;

  public OutcomeReward(IterationContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public PCollection<ScoredRollout> expand(PCollection<Rollout> rollouts) {
    return rollouts.apply("Verify", ParDo.of(new VerifyFn(ctx))).setCoder(AvroCoder.of(ScoredRollout.class));
  }

  static final class VerifyFn extends DoFn<Rollout, ScoredRollout> {
    private final Counter correct = Metrics.counter(METRICS_NAMESPACE, "correct");
    private final Counter total = Metrics.counter(METRICS_NAMESPACE, "scored");
    private final Distribution scoreMillis = Metrics.distribution(METRICS_NAMESPACE, "score_permille");
    private final IterationContext ctx;
    private transient VerifierRegistry registry;

    VerifyFn(IterationContext ctx) {
      this.ctx = ctx;
    }

    @Setup
    public void setup() {
      registry = ctx.reward().registry();
    }

    @ProcessElement
    public void process(@Element Rollout r, OutputReceiver<ScoredRollout> out) {
      ctx.maybeCrash("reward");
      Verifier v = registry.get(r.getDataSource());
      Verifier.Result result = v.verify(r.getResponseText(), r.getGroundTruth());
      total.inc();
      if (result.score() > 0.5) {
        correct.inc();
      }
      scoreMillis.update(Math.round(result.score() * 1000));
      out.output(ScoredRollout.newBuilder()
          .setRollout(r)
          .setOutcomeReward(result.score())
          .setExtractedAnswer(result.extracted())
          .setOldLogprobs(List.of())
          .setRefLogprobs(List.of())
          .setEntropies(List.of())
          .build());
    }
  }
}
