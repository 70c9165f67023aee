package dev.spro.runners.cli;

import dev.spro.pipelines.report.RunReport;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spro report RUN...}: charts of one or more runs. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"A self-contained HTML page and PNG charts of runs: reward, test accuracy, response length,",
        "entropy, KL to the reference and seconds per iteration, one line per run; and a table comparing",
        "the runs (printed, and in comparison.md): accuracy, iterations to reach the baseline's final",
        "accuracy, peak KL, collapse, length, entropy, seconds per iteration."})
public final class ReportCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN", arity = "1..*", description = "Run directories.")
  List<Path> runs;

  @Option(names = "--out", paramLabel = "DIR", description = "Where to write the report (default: the first run's report/).")
  Path out;

  @Option(names = "--baseline", paramLabel = "ALGO", defaultValue = "grpo",
      description = "Algorithm the table compares against: iterations to reach its final accuracy, time relative to it (default ${DEFAULT-VALUE}).")
  String baseline;

  @Option(names = "--last", paramLabel = "N", defaultValue = "5",
      description = "Length and entropy are averaged over each run's last N iterations (default ${DEFAULT-VALUE}).")
  int last;

  /** The report of one run, in its {@code report/} directory (what {@code train} and {@code resume} end with). */
  static void writeFor(Path run) throws java.io.IOException {
    System.setProperty("java.awt.headless", "true");
    System.out.println("report: " + RunReport.write(List.of(run), run.resolve("report"), "grpo", 5));
  }

  @Override
  public Integer call() throws Exception {
    System.setProperty("java.awt.headless", "true");
    Path dir = out != null ? out : runs.get(0).resolve("report");
    Path page = RunReport.write(runs, dir, baseline, last);
    System.out.print(java.nio.file.Files.readString(dir.resolve("comparison.md")));
    System.out.println();
    System.out.println("report: " + page);
    return 0;
  }
}
