package dev.spro.runners.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spro eval}: accuracy of a checkpoint on a held-out set. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "pass@1 (greedy and sampled), pass@k and mean response length of a checkpoint, as JSON.")
public final class EvalCommand extends NotYetImplemented {
  @Option(names = "--checkpoint", paramLabel = "DIR", required = true, description = "Checkpoint directory.")
  Path checkpoint;

  @Option(names = "--data", paramLabel = "FILE", description = "Evaluation data (verl Parquet or JSONL); default: the built-in test split.")
  Path data;

  @Option(names = "--samples", paramLabel = "K", defaultValue = "1", description = "Samples per prompt for pass@k.")
  int samples;

  @Override
  protected String plannedIn() {
    return "the main job";
  }
}
