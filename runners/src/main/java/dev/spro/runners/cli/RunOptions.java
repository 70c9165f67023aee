package dev.spro.runners.cli;

import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.run.Driver;
import dev.spro.pipelines.run.RunPlan;
import dev.spro.transforms.stages.FaultInjection;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options {@code train} and {@code resume} share, and the run they both end in. */
final class RunOptions {
  @Option(names = "--iterations", paramLabel = "N", description = "Run to this many RL iterations.")
  Integer iterations;

  @Option(names = "--flink-master", paramLabel = "HOST:PORT",
      description = "Submit to this Flink cluster instead of an embedded one ('direct': Beam's DirectRunner).")
  String flinkMaster;

  @Option(names = "--fail-at", paramLabel = "ITER:STAGE",
      description = "Testing: exit non-zero at this stage (sample, reward, score, advantage, gradient, checkpoint; sft: after that warm-start step).")
  String failAt;

  /** Applies the resume-safe overrides to {@code c}. */
  void applyTo(RunConfig c) {
    if (iterations != null) {
      c.run.iterations = iterations;
    }
    if (flinkMaster != null) {
      c.flink.master = flinkMaster;
    }
  }

  /**
   * Checks the whole config ({@link RunPlan#resolve}: nothing is written if it fails), runs (or
   * continues) the run in {@code dir}, then writes its report.
   */
  void run(RunConfig c, Path dir) throws IOException {
    run(c, dir, null);
  }

  /** As {@link #run(RunConfig, Path)}; {@code fromIteration} not null recomputes from that iteration's checkpoint. */
  void run(RunConfig c, Path dir, Integer fromIteration) throws IOException {
    if (c.run.iterations == 0) {
      throw new ConfigException(c.source, "run.iterations = 0: there is nothing to train; set run.iterations >= 1, "
          + "or use `spro sft` for the warm start alone");
    }
    Driver driver = new Driver(RunPlan.resolve(c), dir, FaultInjection.parse(failAt), System.out);
    if (fromIteration == null) {
      driver.run();
    } else {
      driver.rerunFrom(fromIteration);
    }
    ReportCommand.writeFor(dir);
  }
}
