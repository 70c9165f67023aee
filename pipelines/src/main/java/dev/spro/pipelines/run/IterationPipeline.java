package dev.spro.pipelines.run;

import dev.spro.schemas.Prompt;
import dev.spro.schemas.RejectedRow;
import dev.spro.schemas.Rollout;
import dev.spro.schemas.ScoredRollout;
import dev.spro.schemas.TrainingExample;
import dev.spro.transforms.data.ReadPromptFiles;
import dev.spro.transforms.stages.Advantage;
import dev.spro.transforms.stages.GradientStep;
import dev.spro.transforms.stages.GroupSampling;
import dev.spro.transforms.stages.IterationContext;
import dev.spro.transforms.stages.OutcomeReward;
import dev.spro.transforms.stages.RunLayout;
import dev.spro.transforms.stages.SelfGuidedReward;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * Assembles one iteration as one Beam pipeline, starting after the last stage already committed
 * in the run directory:
 *
 * <pre>
 *   prompts -> GroupSampling -> [rollouts] -> OutcomeReward -> [rewarded] -> SelfGuidedReward
 *     -> [scored] -> Advantage -> [examples] -> GradientStep -> checkpoint k+1
 *                          \-> CommitBatchMetrics (scored + examples) -> batch-metrics.json
 *                                 (committed before checkpoint k+1)
 * </pre>
 *
 * Each bracketed output is committed before the next stage consumes it ({@link StageOutput}), so
 * a crash in a stage resumes from its input, not from the start of the iteration.
 */
public final class IterationPipeline {
  private IterationPipeline() {}

  /**
   * Adds iteration {@code ctx.iteration()} to {@code p}.
   *
   * @param prompts reads this iteration's batch (used only when sampling has to run)
   */
  public static void build(Pipeline p, IterationContext ctx, PTransform<PBegin, PCollectionTuple> prompts,
      GradientStep.CheckpointManifests manifests) {
    Path run = ctx.runPath();
    int k = ctx.iteration();
    int shards = ctx.shards();
    Path rolloutsDir = RunLayout.stage(run, k, RunLayout.ROLLOUTS);
    Path rewardedDir = RunLayout.stage(run, k, RunLayout.REWARDED);
    Path scoredDir = RunLayout.stage(run, k, RunLayout.SCORED);
    Path examplesDir = RunLayout.stage(run, k, RunLayout.EXAMPLES);

    Path metricsFile = RunLayout.iteration(run, k).resolve(RunLayout.BATCH_METRICS);
    boolean metricsNeeded = !Files.exists(metricsFile);
    PCollection<TrainingExample> examples;
    PCollection<ScoredRollout> scored = null;
    if (StageOutput.isCommitted(examplesDir)) {
      examples = StageOutput.read(p, TrainingExample.class, examplesDir, "Examples");
      if (metricsNeeded) {
        scored = StageOutput.read(p, ScoredRollout.class, scoredDir, "Scored");
      }
    } else {
      if (StageOutput.isCommitted(scoredDir)) {
        scored = StageOutput.read(p, ScoredRollout.class, scoredDir, "Scored");
      } else {
        PCollection<ScoredRollout> rewarded;
        if (StageOutput.isCommitted(rewardedDir)) {
          rewarded = StageOutput.read(p, ScoredRollout.class, rewardedDir, "Rewarded");
        } else {
          PCollection<Rollout> rollouts;
          if (StageOutput.isCommitted(rolloutsDir)) {
            rollouts = StageOutput.read(p, Rollout.class, rolloutsDir, "Rollouts");
          } else {
            PCollectionTuple read = p.apply("ReadPrompts", prompts);
            PCollection<Prompt> batch = read.get(ReadPromptFiles.PROMPTS);
            PCollectionTuple sampled = batch.apply("GroupSampling", new GroupSampling(ctx));
            PCollection<RejectedRow> rejected = PCollectionList.of(read.get(ReadPromptFiles.REJECTED))
                .and(sampled.get(GroupSampling.TOO_LONG))
                .apply("AllRejected", Flatten.pCollections());
            StageOutput.commit(rejected, RejectedRow.class, RunLayout.stage(run, k, RunLayout.REJECTED), 1, "Rejected");
            rollouts = StageOutput.commit(sampled.get(GroupSampling.ROLLOUTS), Rollout.class, rolloutsDir, shards, "Rollouts");
          }
          rewarded = StageOutput.commit(rollouts.apply("OutcomeReward", new OutcomeReward(ctx)), ScoredRollout.class,
              rewardedDir, shards, "Rewarded");
        }
        scored = StageOutput.commit(rewarded.apply("SelfGuidedReward", new SelfGuidedReward(ctx)), ScoredRollout.class,
            scoredDir, shards, "Scored");
      }
      examples = StageOutput.commit(scored.apply("Advantage", new Advantage(ctx)), TrainingExample.class, examplesDir,
          shards, "Examples");
    }
    GradientStep step = new GradientStep(ctx, manifests);
    if (metricsNeeded) {
      // committed before the gradient step can commit the iteration, so a finished iteration always
      // has its metrics; the gradient is computed meanwhile
      step = step.commitAfter(CommitBatchMetrics.apply(scored, examples, metricsFile));
    }
    examples.apply("GradientStep", step);
  }
}
