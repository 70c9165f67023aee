package dev.spro.runners.cli;

import dev.spro.pipelines.config.RunConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spro train}: a whole run, one Beam pipeline per iteration, in a resumable run directory. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Runs SPRO (or a baseline) from a dataset to a checkpoint.",
        "One Beam pipeline per iteration, on embedded Flink (web UI on) or a Flink cluster.",
        "With no options: the built-in arithmetic task and a small model. On a run directory that",
        "already has progress, continues it (the config must match; see `spro resume`)."})
public final class TrainCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "Run configuration (YAML); defaults otherwise.")
  Path config;

  @Option(names = "--run-dir", paramLabel = "DIR", description = "Run directory (default: runs/<run.name>).")
  Path runDir;

  @Option(names = "--seed", paramLabel = "S", description = "Run seed; every random draw derives from it.")
  Long seed;

  @Option(names = "--algo", paramLabel = "ALGO", description = "grpo (the default), spro, drgrpo, rloo, prime, or one of the credit study's arms (spro-nosum, spro-klpen, spro-placebo, grpo-klbonus, oracle).")
  String algo;

  @CommandLine.Mixin RunOptions run = new RunOptions();

  @Override
  public Integer call() throws Exception {
    RunConfig c = RunConfig.load(config);
    run.applyTo(c);
    if (seed != null) {
      c.run.seed = seed;
    }
    if (algo != null) {
      c.algorithm.name = algo;
    }
    run.run(c, runDir != null ? runDir : Path.of("runs", c.run.name));
    return 0;
  }
}
