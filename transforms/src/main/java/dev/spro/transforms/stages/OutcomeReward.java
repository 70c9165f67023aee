package dev.spro.transforms.stages;

import dev.spro.models.tokenizer.TextTokenizer;
import dev.spro.models.tokenizer.TokenizerSpec;
import dev.spro.schemas.Rollout;
import dev.spro.schemas.ScoredRollout;
import dev.spro.transforms.reward.Verifier;
import dev.spro.transforms.reward.VerifierRegistry;
import dev.spro.transforms.task.ArithmeticTask;
import dev.spro.transforms.task.StepChecker;
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
 *
 * <p>A response to the built-in arithmetic task (character tokenizer) also gets its first wrong
 * token and its re-check count from {@link StepChecker}: what the {@code oracle} estimator reads
 * and the credit-localisation metric scores the others against.
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
    private transient TextTokenizer chars;

    VerifyFn(IterationContext ctx) {
      this.ctx = ctx;
    }

    @Setup
    public void setup() {
      registry = ctx.reward().registry();
      chars = ctx.model().tokenizer() instanceof TokenizerSpec.Chars c ? c.open(0) : null;
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
      ScoredRollout.Builder scored = ScoredRollout.newBuilder()
          .setRollout(r)
          .setOutcomeReward(result.score())
          .setExtractedAnswer(result.extracted())
          .setOldLogprobs(List.of())
          .setRefLogprobs(List.of())
          .setEntropies(List.of());
      ArithmeticTask.Problem problem = chars != null && ArithmeticTask.DATA_SOURCE.equals(r.getDataSource())
          ? StepChecker.problemOf(chars.decode(Lists.ints(r.getPromptTokenIds()))) : null;
      if (problem != null) {
        StepChecker.Check check = StepChecker.check(problem, r.getResponseText());
        int[] tokens = Lists.ints(r.getResponseTokenIds());
        scored.setFirstErrorToken(check.firstWrongChar() < 0 ? -1 : tokenAt(chars, tokens, check.firstWrongChar()))
            .setRecheckSteps(check.rechecks());
      }
      out.output(scored.build());
    }
  }

  /**
   * The token holding character {@code charIndex} of the decoded {@code tokens}; at the text's
   * end, the first token that decodes to nothing after it (the stop token); -1 when there is none
   * (a response cut off at the length limit).
   */
  static int tokenAt(TextTokenizer tokenizer, int[] tokens, int charIndex) {
    int start = 0;
    int afterText = 0; // the index after the last token that decodes to text
    for (int i = 0; i < tokens.length; i++) {
      int length = tokenizer.decode(new int[] {tokens[i]}).length();
      if (charIndex < start + length) {
        return i;
      }
      start += length;
      if (length > 0) {
        afterText = i + 1;
      }
    }
    if (charIndex == start && afterText < tokens.length) {
      return afterText;
    }
    return -1;
  }
}
