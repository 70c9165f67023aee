package dev.spro.runners.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spro report RUN...}: charts of one or more runs. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "A self-contained HTML page and PNG charts (reward, accuracy, length, entropy, KL, time) of runs.")
public final class ReportCommand extends NotYetImplemented {
  @Parameters(paramLabel = "RUN", arity = "1..*", description = "Run directories.")
  List<Path> runs;

  @Option(names = "--out", paramLabel = "DIR", description = "Where to write the report.")
  Path out;

  @Override
  protected String plannedIn() {
    return "the main job";
  }
}
