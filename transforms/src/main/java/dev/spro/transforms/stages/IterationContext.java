package dev.spro.transforms.stages;

import dev.spro.models.sampling.SamplingParams;
import dev.spro.transforms.algo.AdvantageConfig;
import dev.spro.transforms.loss.PolicyLossConfig;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything the stages of iteration {@code iteration} need, fixed when the pipeline is built and
 * shipped to every worker.
 *
 * @param shards deterministic worker shards of the sampling, scoring and gradient stages
 * @param samplesPerPrompt G, the group size
 * @param batchRows sequences per engine call when sampling or scoring
 * @param reference the frozen reference model's checkpoint directory
 * @param minGroupAccuracy keep only groups whose accuracy is at least this (PRIME's filter; 0: off)
 * @param maxGroupAccuracy ... and at most this (1: off)
 */
public record IterationContext(
    String runDir,
    int iteration,
    long runSeed,
    int shards,
    ModelSpec model,
    String reference,
    SamplingParams sampling,
    int samplesPerPrompt,
    int batchRows,
    String algorithm,
    AdvantageConfig advantage,
    PolicyLossConfig loss,
    TrainSettings train,
    double minGroupAccuracy,
    double maxGroupAccuracy,
    boolean exactMatchFallback,
    Map<String, String> customVerifiers,
    boolean failOnBadRows,
    FaultInjection fault)
    implements Serializable {

  public Path runPath() {
    return Path.of(runDir);
  }

  public Path policy() {
    return RunLayout.checkpoint(runPath(), iteration);
  }

  public Path nextPolicy() {
    return RunLayout.checkpoint(runPath(), iteration + 1);
  }

  public boolean prime() {
    return algorithm.equals("prime");
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
}
