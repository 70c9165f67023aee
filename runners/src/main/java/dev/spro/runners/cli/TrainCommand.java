package dev.spro.runners.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spro train}: a whole run, warm start then RL iterations, in a resumable run directory. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Runs SPRO (or a baseline) from a dataset to a checkpoint.",
        "One Beam pipeline per iteration, on embedded Flink (web UI on) or a Flink cluster.",
        "With no options: the built-in reasoning task and a small model, warm start then SPRO."})
public final class TrainCommand extends NotYetImplemented {
  @Option(names = "--config", paramLabel = "FILE", description = "Run configuration (YAML).")
  Path config;

  @Option(names = "--run-dir", paramLabel = "DIR", description = "Run directory (default: runs/<id>).")
  Path runDir;

  @Option(names = "--iterations", paramLabel = "N", description = "Number of RL iterations.")
  Integer iterations;

  @Option(names = "--seed", paramLabel = "S", description = "Run seed; every random draw derives from it.")
  Long seed;

  @Option(names = "--algo", paramLabel = "ALGO", description = "spro, grpo, drgrpo, rloo or prime.")
  String algo;

  @Option(names = "--flink-master", paramLabel = "HOST:PORT",
      description = "Submit to this Flink cluster instead of an embedded one.")
  String flinkMaster;

  @Option(names = "--fail-at", paramLabel = "ITER:STAGE",
      description = "Testing: exit non-zero at this stage (sample, reward, score, advantage, gradient, checkpoint).")
  String failAt;

  @Override
  protected String plannedIn() {
    return "the training pipeline and the main job";
  }
}
