package dev.spro.runners.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code spro resume DIR}: continues a run from its last committed stage. */
@Command(name = "resume", mixinStandardHelpOptions = true,
    description = "Continues a crashed or stopped run from its last committed stage, bit-identically.")
public final class ResumeCommand extends NotYetImplemented {
  @Parameters(paramLabel = "DIR", description = "The run directory.")
  Path runDir;

  @Override
  protected String plannedIn() {
    return "the training pipeline";
  }
}
