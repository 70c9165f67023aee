package dev.spro.runners.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spro sample}: responses from a checkpoint, for a look at what the model writes. */
@Command(name = "sample", mixinStandardHelpOptions = true,
    description = "Samples responses from a checkpoint for prompts from a file or the command line.")
public final class SampleCommand extends NotYetImplemented {
  @Option(names = "--checkpoint", paramLabel = "DIR", required = true, description = "Checkpoint directory.")
  Path checkpoint;

  @Option(names = "--prompt", paramLabel = "TEXT", description = "A prompt.")
  String prompt;

  @Option(names = "--n", paramLabel = "N", defaultValue = "4", description = "Samples per prompt.")
  int n;

  @Override
  protected String plannedIn() {
    return "the policy model";
  }
}
