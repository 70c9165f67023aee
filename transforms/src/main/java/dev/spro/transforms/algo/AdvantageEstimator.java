package dev.spro.transforms.algo;

/**
 * Turns one prompt's group of responses into per-token advantages.
 *
 * <p>The result has one row per response, as long as the input row; entries past a response's
 * length are 0. Implementations are stateless and pure.
 */
public interface AdvantageEstimator {

  /** The registry name ({@code spro}, {@code grpo}, ...). */
  String name();

  /** Per-token advantages of every response in {@code group}. */
  double[][] advantages(ResponseGroup group, AdvantageConfig config);

  /**
   * Whether the advantages of all groups of a batch are whitened together after {@link
   * #advantages} (PRIME); see {@link Whitening}.
   */
  default boolean whitensBatch() {
    return false;
  }

  /**
   * Whether the run keeps a second, online-trained model beside the policy whose log-ratio feeds
   * {@link #advantages} (PRIME's implicit process reward model).
   */
  default boolean trainsRewardModel() {
    return false;
  }

  /** Whether {@link #advantages} reads each response's sampling seed ({@link ResponseGroup#seeds()}). */
  default boolean needsSeeds() {
    return false;
  }

  /**
   * Whether {@link #advantages} reads each response's first wrong token ({@link
   * ResponseGroup#firstErrors()}), which only a task with a step checker provides.
   */
  default boolean needsStepCheck() {
    return false;
  }
}
