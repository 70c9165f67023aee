package dev.spro.runners.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spro sft}: the supervised warm start. */
@Command(name = "sft", mixinStandardHelpOptions = true,
    description = "Supervised warm start: trains on teacher solutions; the result becomes iteration 0 and the reference model.")
public final class SftCommand extends NotYetImplemented {
  @Option(names = "--config", paramLabel = "FILE", description = "Run configuration (YAML).")
  Path config;

  @Option(names = "--run-dir", paramLabel = "DIR", description = "Run directory.")
  Path runDir;

  @Override
  protected String plannedIn() {
    return "the main job";
  }
}
