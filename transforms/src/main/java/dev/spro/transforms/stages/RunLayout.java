package dev.spro.transforms.stages;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Where things live in a run directory:
 *
 * <pre>
 *   run.yaml                       the resolved config, frozen, with its hash
 *   iter-000007/checkpoint/        the policy that iteration 7 samples with (model, optimizer, manifest)
 *   iter-000007/prm/               PRIME's implicit reward model for iteration 7
 *   iter-000007/rollouts/ rewarded/ scored/ examples/ rejected/   stage outputs, each with a _COMMITTED marker
 *   iter-000007/batch-metrics.json the iteration's batch metrics
 *   logs/JOB.log                   the full trace of a job that failed
 *   latest                         name of the newest committed iteration directory (written last)
 *   metrics.jsonl                  one JSON object per iteration / evaluation
 * </pre>
 */
public final class RunLayout {
  public static final String COMMITTED = "_COMMITTED";
  public static final String ROLLOUTS = "rollouts";
  public static final String REWARDED = "rewarded";
  public static final String SCORED = "scored";
  public static final String EXAMPLES = "examples";
  public static final String REJECTED = "rejected";
  /** The iteration's batch metrics, committed before its checkpoint. */
  public static final String BATCH_METRICS = "batch-metrics.json";
  /** The gradient step's claim-checked tensors (shard gradients, slice sums and states), removed at commit. */
  public static final String GRADIENT_SCRATCH = "gradient-scratch";
  /** Full traces of the jobs that failed. */
  public static final String LOGS = "logs";
  public static final String CHECKPOINT = "checkpoint";
  public static final String PRM = "prm";

  private RunLayout() {}

  public static String iterationName(int k) {
    return String.format(Locale.ROOT, "iter-%06d", k);
  }

  public static Path iteration(Path runDir, int k) {
    return runDir.resolve(iterationName(k));
  }

  public static Path checkpoint(Path runDir, int k) {
    return iteration(runDir, k).resolve(CHECKPOINT);
  }

  public static Path prm(Path runDir, int k) {
    return iteration(runDir, k).resolve(PRM);
  }

  public static Path stage(Path runDir, int k, String stage) {
    return iteration(runDir, k).resolve(stage);
  }
}
