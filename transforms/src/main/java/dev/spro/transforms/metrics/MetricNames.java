package dev.spro.transforms.metrics;

/** The names of every metric a run reports (verl's where verl has one). */
public final class MetricNames {
  private MetricNames() {}

  // Outcome rewards of the batch's responses.
  public static final String SCORE_MEAN = "critic/score/mean";
  public static final String SCORE_MAX = "critic/score/max";
  public static final String SCORE_MIN = "critic/score/min";
  // Advantages over valid tokens.
  public static final String ADVANTAGES_MEAN = "critic/advantages/mean";
  public static final String ADVANTAGES_MAX = "critic/advantages/max";
  public static final String ADVANTAGES_MIN = "critic/advantages/min";
  // Lengths; clip_ratio is the share of responses cut off at the max length.
  public static final String RESPONSE_LENGTH_MEAN = "response_length/mean";
  public static final String RESPONSE_LENGTH_MAX = "response_length/max";
  public static final String RESPONSE_LENGTH_MIN = "response_length/min";
  public static final String RESPONSE_LENGTH_CLIP_RATIO = "response_length/clip_ratio";
  /** Re-check steps per response (the built-in task's step checker). */
  public static final String RESPONSE_RECHECKS_MEAN = "response_length/recheck_steps";
  public static final String PROMPT_LENGTH_MEAN = "prompt_length/mean";
  public static final String PROMPT_LENGTH_MAX = "prompt_length/max";
  public static final String PROMPT_LENGTH_MIN = "prompt_length/min";

  // The policy update.
  public static final String ACTOR_LOSS = "actor/loss";
  public static final String ACTOR_PG_LOSS = "actor/pg_loss";
  public static final String ACTOR_PG_CLIPFRAC = "actor/pg_clipfrac";
  public static final String ACTOR_PG_CLIPFRAC_LOWER = "actor/pg_clipfrac_lower";
  public static final String ACTOR_PPO_KL = "actor/ppo_kl";
  public static final String ACTOR_ENTROPY = "actor/entropy";
  public static final String ACTOR_KL_LOSS = "actor/kl_loss";
  public static final String ACTOR_KL_COEF = "actor/kl_coef";
  public static final String ACTOR_GRAD_NORM = "actor/grad_norm";
  public static final String ACTOR_LR = "actor/lr";
  public static final String ACTOR_ADVANTAGE_MEAN = "actor/advantage_mean";
  /** Per-token KL(pi_old || pi_ref), k3 estimate: the early warning of SPRO's self-reward loop. */
  public static final String ACTOR_KL_REF = "actor/kl_ref";
  /** The same with the k1 (plain log-ratio) estimator. */
  public static final String ACTOR_KL_REF_K1 = "actor/kl_ref_k1";

  // PRIME's implicit PRM.
  public static final String PRM_LOSS = "prm/loss";
  public static final String PRM_ACCURACY = "prm/accuracy";

  // Group statistics of the Advantage stage.
  public static final String GROUPS_ALL_CORRECT = "batch/groups_all_correct";
  public static final String GROUPS_ALL_WRONG = "batch/groups_all_wrong";
  public static final String GROUPS_FILTERED = "batch/groups_filtered";

  // Credit localisation over failed responses whose first wrong token the task's step checker
  // found (BatchMetrics.blameAuroc): 0.5 = no information, 1 = the wrong token always gets the
  // least credit. By the per-token log-ratio log pi_old - log pi_ref, and by the advantage.
  public static final String CREDIT_LOCALISATION_LOG_RATIO = "credit/localisation_auroc_log_ratio";
  public static final String CREDIT_LOCALISATION_ADVANTAGE = "credit/localisation_auroc_advantage";
  public static final String CREDIT_LOCALISED_RESPONSES = "credit/localised_responses";

  // Timings and throughput.
  public static final String TIMING_GEN = "timing_s/gen";
  public static final String TIMING_REF = "timing_s/ref";
  public static final String TIMING_UPDATE_ACTOR = "timing_s/update_actor";
  public static final String TIMING_STEP = "timing_s/step";
  public static final String PERF_THROUGHPUT = "perf/throughput";
  /**
   * The worker process's real peak (resident set: heap, engine memory and the rest, not the
   * JVM's heap limit) over the iteration's stages, in GiB; and each stage's.
   */
  public static final String PERF_MAX_MEMORY_GB = "perf/max_memory_allocated_gb";
  public static final String PERF_PEAK_MEMORY_GEN_GB = "perf/peak_memory_gb/gen";
  public static final String PERF_PEAK_MEMORY_REF_GB = "perf/peak_memory_gb/ref";
  public static final String PERF_PEAK_MEMORY_UPDATE_GB = "perf/peak_memory_gb/update_actor";
  /** Checkpoints loaded by the workers in the iteration (resident models: the policy once per JVM). */
  public static final String PERF_MODEL_LOADS = "perf/model_loads";
  /** Bytes of weights those loads read. */
  public static final String PERF_MODEL_BYTES_READ = "perf/model_bytes_read";

  // Evaluation.
  public static final String VAL_ACCURACY = "val/accuracy";
  public static final String VAL_RESPONSE_LENGTH = "val/response_length";
}
