package dev.spro.transforms.stages;

import dev.spro.models.sampling.SamplingParams;
import dev.spro.transforms.algo.AdvantageConfig;
import dev.spro.transforms.algo.AdvantageEstimator;
import dev.spro.transforms.algo.AdvantageEstimators;
import dev.spro.transforms.loss.PolicyLossConfig;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the stages of iteration {@code iteration} need, fixed when the pipeline is built and
 * shipped to every worker. Each stage reads its own slice: sampling reads {@link #sampling},
 * the outcome reward {@link #reward}, the advantage stage {@link #advantage}, the gradient step
 * {@link #loss} and {@link #train}. Built with {@link #builder()}.
 *
 * @param shards deterministic worker shards of the sampling, scoring and gradient stages
 * @param reference the frozen reference model's checkpoint directory
 * @param fault where a test asked the run to crash (null: nowhere)
 */
public record IterationContext(
    String runDir,
    int iteration,
    long runSeed,
    int shards,
    ModelSpec model,
    String reference,
    Sampling sampling,
    Reward reward,
    AdvantageSlice advantage,
    PolicyLossConfig loss,
    TrainSettings train,
    FaultInjection fault)
    implements Serializable {

  /**
   * How responses are drawn.
   *
   * @param samplesPerPrompt G, the group size
   * @param batchRows sequences per engine call when sampling or scoring
   * @param batchTokens with it, at most this many padded tokens per call (0: rows only)
   */
  public record Sampling(SamplingParams params, int samplesPerPrompt, int batchRows, int batchTokens)
      implements Serializable {}

  /**
   * How rollouts are verified.
   *
   * @param customVerifiers data source to a class implementing {@code Verifier}
   * @param failOnBadRows a prompt that cannot be used fails the run instead of being quarantined
   */
  public record Reward(boolean exactMatchFallback, Map<String, String> customVerifiers, boolean failOnBadRows)
      implements Serializable {
    /** The standard verifiers with this run's fallback and custom classes (a worker builds its own). */
    public dev.spro.transforms.reward.VerifierRegistry registry() {
      var r = dev.spro.transforms.reward.VerifierRegistry.standard(exactMatchFallback);
      customVerifiers.forEach(r::registerClass);
      return r;
    }
  }

  /**
   * How groups become advantages.
   *
   * @param algorithm the advantage estimator's registry name
   * @param minGroupAccuracy keep only groups whose accuracy is at least this (PRIME's filter; 0: off)
   * @param maxGroupAccuracy ... and at most this (1: off)
   */
  public record AdvantageSlice(String algorithm, AdvantageConfig config, double minGroupAccuracy, double maxGroupAccuracy)
      implements Serializable {
    public AdvantageEstimator estimator() {
      return AdvantageEstimators.get(algorithm);
    }
  }

  public Path runPath() {
    return Path.of(runDir);
  }

  public Path policy() {
    return RunLayout.checkpoint(runPath(), iteration);
  }

  public Path nextPolicy() {
    return RunLayout.checkpoint(runPath(), iteration + 1);
  }

  /** Whether this run trains PRIME's implicit reward model beside the policy. */
  public boolean prime() {
    return advantage.estimator().trainsRewardModel();
  }

  public Path prm() {
    return RunLayout.prm(runPath(), iteration);
  }

  public Path nextPrm() {
    return RunLayout.prm(runPath(), iteration + 1);
  }

  /** Halts the JVM here if the run was told to crash at this stage of this iteration. */
  public void maybeCrash(String stage) {
    FaultInjection.maybeCrash(fault, iteration, stage, runPath());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Names every part; what a test or a stage does not use keeps a neutral default. */
  public static final class Builder {
    private String runDir;
    private int iteration;
    private long runSeed = 1;
    private int shards = 1;
    private ModelSpec model;
    private String reference;
    private Sampling sampling;
    private Reward reward = new Reward(false, Map.of(), false);
    private AdvantageSlice advantage = new AdvantageSlice("grpo", AdvantageConfig.builder().build(), 0, 1);
    private PolicyLossConfig loss = PolicyLossConfig.defaults();
    private TrainSettings train;
    private FaultInjection fault;

    public Builder run(Path runDir, int iteration, long runSeed) {
      this.runDir = runDir.toString();
      this.iteration = iteration;
      this.runSeed = runSeed;
      return this;
    }

    public Builder shards(int shards) {
      this.shards = shards;
      return this;
    }

    public Builder model(ModelSpec model, Path reference) {
      this.model = model;
      this.reference = reference.toString();
      return this;
    }

    public Builder sampling(SamplingParams params, int samplesPerPrompt, int batchRows, int batchTokens) {
      this.sampling = new Sampling(params, samplesPerPrompt, batchRows, batchTokens);
      return this;
    }

    public Builder reward(boolean exactMatchFallback, Map<String, String> customVerifiers, boolean failOnBadRows) {
      this.reward = new Reward(exactMatchFallback, Map.copyOf(customVerifiers), failOnBadRows);
      return this;
    }

    public Builder advantage(String algorithm, AdvantageConfig config, double minGroupAccuracy, double maxGroupAccuracy) {
      this.advantage = new AdvantageSlice(algorithm, config, minGroupAccuracy, maxGroupAccuracy);
      return this;
    }

    public Builder loss(PolicyLossConfig loss) {
      this.loss = loss;
      return this;
    }

    public Builder train(TrainSettings train) {
      this.train = train;
      return this;
    }

    public Builder fault(FaultInjection fault) {
      this.fault = fault;
      return this;
    }

    public IterationContext build() {
      Objects.requireNonNull(runDir, "run");
      Objects.requireNonNull(model, "model");
      return new IterationContext(runDir, iteration, runSeed, shards, model, reference, sampling, reward, advantage, loss,
          train, fault);
    }
  }
}
