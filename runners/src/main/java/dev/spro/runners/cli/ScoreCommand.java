package dev.spro.runners.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spro score}: runs the registered verifiers over labelled rows, to audit a reward function. */
@Command(name = "score", mixinStandardHelpOptions = true,
    description = "Scores JSONL rows (data_source, response, ground_truth) with the registered verifiers.")
public final class ScoreCommand extends NotYetImplemented {
  @Option(names = "--in", paramLabel = "FILE", required = true, description = "Rows to score (JSONL).")
  Path in;

  @Option(names = "--out", paramLabel = "FILE", required = true, description = "Scored rows (JSONL).")
  Path out;

  @Override
  protected String plannedIn() {
    return "real data and verifiers";
  }
}
