package dev.spro.runners.cli;

import dev.spro.schemas.RejectedRow;
import dev.spro.transforms.data.Gsm8k;
import dev.spro.transforms.data.PromptWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spro data ...}: dataset converters. */
@Command(name = "data", mixinStandardHelpOptions = true,
    description = "Converts datasets to the verl Parquet format.",
    subcommands = {DataCommand.Gsm8kCommand.class})
public final class DataCommand extends NotYetImplemented {
  @Override
  protected String plannedIn() {
    return "a converter subcommand: use `spro data gsm8k`";
  }

  /** {@code spro data gsm8k}: original GSM8K JSONL to verl rows. */
  @Command(name = "gsm8k", mixinStandardHelpOptions = true,
      description = {"Converts the original GSM8K JSONL (question, answer ending in '#### N') to verl Parquet rows.",
          "Ground truth is the number after '####' (commas removed); the question gets verl's instruction",
          "to put the final answer after '####'. Lines that cannot be converted go to OUT.rejected.jsonl."})
  public static final class Gsm8kCommand implements Callable<Integer> {
    @Option(names = "--in", paramLabel = "FILE", required = true, description = "GSM8K JSONL file.")
    Path in;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Parquet file to write.")
    Path out;

    @Option(names = "--split", paramLabel = "NAME", description = "Split name for extra_info (default: from the file name).")
    String split;

    @Override
    public Integer call() throws IOException {
      String name = split != null ? split : in.getFileName().toString().replaceFirst("\\..*$", "");
      Gsm8k.Converted c = Gsm8k.convert(in, name);
      Path parent = out.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      PromptWriter.writeParquet(out, c.prompts());
      System.out.printf("%s: %d rows -> %s%n", in, c.prompts().size(), out);
      if (c.rejected().isEmpty()) {
        return 0;
      }
      Path rejects = out.resolveSibling(out.getFileName() + ".rejected.jsonl");
      Files.write(rejects, c.rejected().stream().map(RejectedRow::toString).toList());
      System.err.printf("%d lines could not be converted (first: %s); all listed in %s%n",
          c.rejected().size(), c.rejected().get(0), rejects);
      return 1;
    }
  }
}
