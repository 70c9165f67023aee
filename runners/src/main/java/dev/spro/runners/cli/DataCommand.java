package dev.spro.runners.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spro data ...}: dataset converters. */
@Command(name = "data", mixinStandardHelpOptions = true,
    description = "Converts datasets to the verl Parquet format.",
    subcommands = {DataCommand.Gsm8k.class})
public final class DataCommand extends NotYetImplemented {
  @Override
  protected String plannedIn() {
    return "real data and verifiers (use a subcommand, e.g. `spro data gsm8k`)";
  }

  /** {@code spro data gsm8k}: original GSM8K JSONL to verl rows. */
  @Command(name = "gsm8k", mixinStandardHelpOptions = true,
      description = "Converts the original GSM8K JSONL (question, answer ending in '#### N') to verl Parquet rows.")
  public static final class Gsm8k extends NotYetImplemented {
    @Option(names = "--in", paramLabel = "FILE", required = true, description = "GSM8K JSONL file.")
    Path in;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Parquet file to write.")
    Path out;

    @Override
    protected String plannedIn() {
      return "real data and verifiers";
    }
  }
}
