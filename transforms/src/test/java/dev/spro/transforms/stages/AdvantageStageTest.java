package dev.spro.transforms.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spro.models.sampling.SamplingParams;
import dev.spro.schemas.FinishReason;
import dev.spro.schemas.Rollout;
import dev.spro.schemas.ScoredRollout;
import dev.spro.schemas.TrainingExample;
import dev.spro.transforms.algo.AdvantageConfig;
import java.util.ArrayList;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;

/** The Advantage stage groups by prompt and reproduces the SPRO vector of docs/algorithms.md, whatever the input order. */
class AdvantageStageTest {
  static ScoredRollout rollout(String prompt, int i, double reward, float[] ratios) {
    List<Float> old = new ArrayList<>();
    List<Float> ref = new ArrayList<>();
    List<Integer> tokens = new ArrayList<>();
    for (float r : ratios) {
      old.add(r - 1f);
      ref.add(-1f);
      tokens.add(5);
    }
    Rollout r = Rollout.newBuilder().setPromptId(prompt).setSampleIndex(i).setIteration(0).setSeed(0).setDataSource("x")
        .setGroundTruth("1").setPromptTokenIds(List.of(1)).setResponseTokenIds(tokens).setSamplerLogprobs(old)
        .setFinishReason(FinishReason.STOP).setResponseText("").build();
    return ScoredRollout.newBuilder().setRollout(r).setOutcomeReward(reward).setOldLogprobs(old).setRefLogprobs(ref)
        .setEntropies(old).build();
  }

  @Test
  void reproducesTheSproTestVector() {
    IterationContext ctx = IterationContext.builder().run(Path.of("/tmp/none"), 0, 1).shards(2)
        .model(ModelSpec.charTokenizer("0123", 1), Path.of("/tmp/none")).sampling(SamplingParams.greedy(4, Set.of()), 3, 8, 0)
        .advantage("spro", AdvantageConfig.builder().beta(0.5).build(), 0, 1).build();
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    // Sample order scrambled, and a second prompt mixed in: groups must form by prompt id.
    PCollection<ScoredRollout> in = p.apply(Create.of(
        rollout("b", 0, 1, new float[] {0.1f}),
        rollout("a", 2, 0, new float[] {-0.2f, 0.4f, 0.6f, 0.6f}),
        rollout("a", 0, 1, new float[] {0.4f, -0.2f}),
        rollout("b", 1, 0, new float[] {0.3f}),
        rollout("a", 1, 0, new float[] {0.2f, 0.6f, -0.4f})).withCoder(AvroCoder.of(ScoredRollout.class)));
    PCollection<TrainingExample> out = in.apply(new Advantage(ctx));
    PAssert.that(out).satisfies(examples -> {
      double[][] expected = {{1.288032, 1.054699}, {-0.544016, -0.377349, -0.677349},
          {-0.744016, -0.677349, -0.477349, -0.577349}};
      int seen = 0;
      for (TrainingExample e : examples) {
        if (e.getPromptId().equals("a")) {
          double[] want = expected[e.getSampleIndex()];
          assertEquals(want.length, e.getAdvantages().size());
          for (int t = 0; t < want.length; t++) {
            assertEquals(want[t], e.getAdvantages().get(t), 1e-5);
          }
          seen++;
        }
      }
      assertEquals(3, seen);
      return null;
    });
    p.run().waitUntilFinish();
  }
}
