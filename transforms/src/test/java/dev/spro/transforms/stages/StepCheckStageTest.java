package dev.spro.transforms.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.models.sampling.SamplingParams;
import dev.spro.models.tokenizer.CharTokenizer;
import dev.spro.schemas.FinishReason;
import dev.spro.schemas.Rollout;
import dev.spro.schemas.ScoredRollout;
import dev.spro.schemas.TrainingExample;
import dev.spro.transforms.algo.AdvantageConfig;
import dev.spro.transforms.task.ArithmeticTask;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.junit.jupiter.api.Test;

/**
 * The built-in task's step checker in the stages: OutcomeReward finds each response's first wrong
 * token (the stop token when a right response stops early, none when one is cut off at the length
 * limit) and counts its re-checks, and the oracle estimator in the Advantage stage leaves the right
 * prefix of a failed response alone.
 */
class StepCheckStageTest {
  static final CharTokenizer CHARS = new CharTokenizer(ArithmeticTask.ALPHABET);
  static final String PROMPT = "8+5+4-9=\n";

  static Rollout rollout(int sample, String response, boolean stop) {
    List<Integer> tokens = new ArrayList<>();
    for (int id : CHARS.encode(response)) {
      tokens.add(id);
    }
    if (stop) {
      tokens.add(CharTokenizer.EOS);
    }
    List<Integer> prompt = new ArrayList<>();
    for (int id : CHARS.encode(PROMPT)) {
      prompt.add(id);
    }
    return Rollout.newBuilder().setPromptId("p").setSampleIndex(sample).setIteration(0).setSeed(sample)
        .setDataSource(ArithmeticTask.DATA_SOURCE).setGroundTruth("8").setPromptTokenIds(prompt).setResponseTokenIds(tokens)
        .setSamplerLogprobs(Collections.nCopies(tokens.size(), -1f))
        .setFinishReason(stop ? FinishReason.STOP : FinishReason.LENGTH).setResponseText(response).build();
  }

  static ScoredRollout withLogProbs(ScoredRollout s) {
    List<Float> zeros = Collections.nCopies(s.getRollout().getResponseTokenIds().size(), 0f);
    return ScoredRollout.newBuilder(s).setOldLogprobs(zeros).setRefLogprobs(zeros).setEntropies(zeros).build();
  }

  @Test
  void firstWrongTokensRechecksAndTheOracle() {
    IterationContext ctx = IterationContext.builder().run(Path.of("/tmp/none"), 0, 1).shards(1)
        .model(ModelSpec.charTokenizer(ArithmeticTask.ALPHABET, 1), Path.of("/tmp/none"))
        .sampling(SamplingParams.greedy(4, Set.of()), 5, 8, 0)
        .reward(false, Map.of(), false)
        .advantage("oracle", AdvantageConfig.defaults(), 0, 1).build();
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    PCollection<ScoredRollout> scored = p.apply(Create.of(
            rollout(0, "8+5=13;13+4=17;17-9=8;#### 8", true),
            rollout(1, "8+5=3;3+4=7;7-9=-2;#### -2", true),
            rollout(2, "8+5=13;13+4=1", true),
            rollout(3, "8+5=13;13+4=1", false),
            rollout(4, "8+5=13;13-5=8;13+4=17;17-9=8;#### 8", true))
        .withCoder(AvroCoder.of(Rollout.class)))
        .apply(new OutcomeReward(ctx));
    PAssert.that(scored).satisfies(all -> {
      Map<Integer, ScoredRollout> by = new HashMap<>();
      all.forEach(s -> by.put(s.getRollout().getSampleIndex(), s));
      assertEquals(-1, by.get(0).getFirstErrorToken());
      assertEquals(0, by.get(0).getRecheckSteps());
      assertEquals(4, by.get(1).getFirstErrorToken(), "the 3 where 13 belongs");
      assertEquals(13, by.get(2).getFirstErrorToken(), "the stop token of a right response that stops early");
      assertEquals(-1, by.get(3).getFirstErrorToken(), "cut off at the length limit: no token to blame");
      assertEquals(1, by.get(4).getRecheckSteps());
      return null;
    });
    PCollection<TrainingExample> examples = scored
        .apply(MapElements.into(TypeDescriptor.of(ScoredRollout.class)).via(StepCheckStageTest::withLogProbs))
        .setCoder(AvroCoder.of(ScoredRollout.class))
        .apply(new Advantage(ctx));
    PAssert.that(examples).satisfies(all -> {
      for (TrainingExample e : all) {
        List<Float> a = e.getAdvantages();
        switch (e.getSampleIndex()) {
          case 0, 4 -> assertTrue(a.stream().allMatch(v -> v > 0), "a right response: every token up");
          case 1 -> {
            assertTrue(a.subList(0, 4).stream().allMatch(v -> v == 0), "8+5= is right: left alone");
            assertTrue(a.subList(4, a.size()).stream().allMatch(v -> v < 0), "from the forgotten carry on: down");
          }
          case 2 -> {
            assertTrue(a.subList(0, 13).stream().allMatch(v -> v == 0));
            assertTrue(a.get(13) < 0, "the early stop token");
          }
          case 3 -> assertTrue(a.stream().allMatch(v -> v < 0), "no located error: GRPO's advantage");
          default -> throw new AssertionError(e.getSampleIndex());
        }
        assertEquals(e.getFirstErrorToken(), e.getSampleIndex() == 1 ? Integer.valueOf(4) : e.getFirstErrorToken());
      }
      return null;
    });
    p.run().waitUntilFinish();
  }
}
