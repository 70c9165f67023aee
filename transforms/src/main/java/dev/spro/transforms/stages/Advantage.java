package dev.spro.transforms.stages;

import dev.spro.schemas.ScoredRollout;
import dev.spro.schemas.TrainingExample;
import dev.spro.transforms.algo.AdvantageEstimator;
import dev.spro.transforms.algo.ResponseGroup;
import dev.spro.transforms.algo.Whitening;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Stage 5: the responses of each prompt meet (GroupByKey on the prompt id) and the estimator of
 * the run — SPRO by default, or GRPO, Dr.GRPO, RLOO, PRIME — turns the group into per-token
 * advantages. SPRO's and GRPO's log-ratios are {@code log pi_old - log pi_ref}; PRIME's are its
 * reward model's {@code log pi_phi - log pi_ref}, and its advantages are then whitened over the
 * whole batch. With an accuracy window (PRIME's online filter) groups outside it are dropped and
 * counted.
 */
public final class Advantage extends PTransform<PCollection<ScoredRollout>, PCollection<TrainingExample>> {
  public static final String METRICS_NAMESPACE = "spro.advantage";
  private final IterationContext ctx;

  public Advantage(IterationContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public PCollection<TrainingExample> expand(PCollection<ScoredRollout> scored) {
    PCollection<TrainingExample> examples = scored
        .apply("KeyByPrompt", WithKeys.of((ScoredRollout s) -> s.getRollout().getPromptId())
            .withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), AvroCoder.of(ScoredRollout.class)))
        .apply("GroupByPrompt", GroupByKey.create())
        .apply("Estimate", ParDo.of(new GroupFn(ctx)))
        .setCoder(AvroCoder.of(TrainingExample.class));
    if (!ctx.advantage().estimator().whitensBatch()) {
      return examples;
    }
    PCollectionView<Whitening.Moments> moments = examples
        .apply("Moments", MapElements.into(TypeDescriptor.of(Whitening.Moments.class)).via(Advantage::moments))
        .setCoder(SerializableCoder.of(Whitening.Moments.class))
        .apply("BatchMoments", Combine.globally(Whitening.Moments::plus).withoutDefaults())
        .apply(View.asSingleton());
    return examples.apply("Whiten", ParDo.of(new WhitenFn(moments)).withSideInputs(moments))
        .setCoder(AvroCoder.of(TrainingExample.class));
  }

  static Whitening.Moments moments(TrainingExample e) {
    double[][] a = {Lists.doubles(e.getAdvantages())};
    return Whitening.moments(a, new int[] {a[0].length});
  }

  static final class GroupFn extends DoFn<KV<String, Iterable<ScoredRollout>>, TrainingExample> {
    private final Counter groups = Metrics.counter(METRICS_NAMESPACE, "groups");
    private final Counter allCorrect = Metrics.counter(METRICS_NAMESPACE, "groups_all_correct");
    private final Counter allWrong = Metrics.counter(METRICS_NAMESPACE, "groups_all_wrong");
    private final Counter filtered = Metrics.counter(METRICS_NAMESPACE, "groups_filtered");
    private final IterationContext ctx;

    GroupFn(IterationContext ctx) {
      this.ctx = ctx;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<ScoredRollout>> group, OutputReceiver<TrainingExample> out) {
      ctx.maybeCrash("advantage");
      List<ScoredRollout> rs = new ArrayList<>();
      group.getValue().forEach(rs::add);
      rs.sort(SelfGuidedReward.ORDER);
      groups.inc();
      int g = rs.size();
      double[] rewards = new double[g];
      double[][] ratios = new double[g][];
      long[] seeds = new long[g];
      int[] firstErrors = new int[g];
      boolean stepChecked = true;
      int correct = 0;
      for (int i = 0; i < g; i++) {
        ScoredRollout s = rs.get(i);
        rewards[i] = s.getOutcomeReward();
        seeds[i] = s.getRollout().getSeed();
        stepChecked &= s.getFirstErrorToken() != null;
        firstErrors[i] = s.getFirstErrorToken() == null ? -1 : s.getFirstErrorToken();
        correct += s.getOutcomeReward() > 0.5 ? 1 : 0;
        List<Float> pi = ctx.prime() ? s.getPrmLogprobs() : s.getOldLogprobs();
        if (pi == null) {
          throw new IllegalStateException("prompt " + group.getKey() + ": PRIME needs the reward model's log-probs");
        }
        List<Float> ref = s.getRefLogprobs();
        ratios[i] = new double[pi.size()];
        for (int t = 0; t < pi.size(); t++) {
          ratios[i][t] = (double) pi.get(t) - ref.get(t);
        }
      }
      if (correct == g) {
        allCorrect.inc();
      } else if (correct == 0) {
        allWrong.inc();
      }
      double accuracy = (double) correct / g;
      if (accuracy < ctx.advantage().minGroupAccuracy() || accuracy > ctx.advantage().maxGroupAccuracy()) {
        filtered.inc();
        return;
      }
      AdvantageEstimator estimator = ctx.advantage().estimator();
      double[][] adv;
      try {
        ResponseGroup responses = ResponseGroup.of(ratios, rewards).withSeeds(seeds)
            .withFirstErrors(stepChecked ? firstErrors : null);
        adv = estimator.advantages(responses, ctx.advantage().config());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("prompt " + group.getKey() + ": " + e.getMessage(), e);
      }
      for (int i = 0; i < g; i++) {
        ScoredRollout s = rs.get(i);
        List<Float> a = new ArrayList<>(adv[i].length);
        for (double v : adv[i]) {
          a.add((float) v);
        }
        out.output(TrainingExample.newBuilder()
            .setPromptId(s.getRollout().getPromptId())
            .setSampleIndex(s.getRollout().getSampleIndex())
            .setIteration(ctx.iteration())
            .setPromptTokenIds(s.getRollout().getPromptTokenIds())
            .setResponseTokenIds(s.getRollout().getResponseTokenIds())
            .setAdvantages(a)
            .setOldLogprobs(s.getOldLogprobs())
            .setRefLogprobs(s.getRefLogprobs())
            .setOutcomeReward(s.getOutcomeReward())
            .setPrmLogprobs(s.getPrmLogprobs())
            .setFirstErrorToken(s.getFirstErrorToken())
            .build());
      }
    }
  }

  static final class WhitenFn extends DoFn<TrainingExample, TrainingExample> {
    private final PCollectionView<Whitening.Moments> moments;

    WhitenFn(PCollectionView<Whitening.Moments> moments) {
      this.moments = moments;
    }

    @ProcessElement
    public void process(@Element TrainingExample e, OutputReceiver<TrainingExample> out, ProcessContext c) {
      double[][] a = {Lists.doubles(e.getAdvantages())};
      Whitening.apply(a, new int[] {a[0].length}, c.sideInput(moments));
      List<Float> w = new ArrayList<>(a[0].length);
      for (double v : a[0]) {
        w.add((float) v);
      }
      out.output(TrainingExample.newBuilder(e).setAdvantages(w).build());
    }
  }
}
