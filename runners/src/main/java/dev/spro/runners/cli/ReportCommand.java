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
        "entropy, KL to the reference and seconds per iteration, one line per run."})
public final class ReportCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN", arity = "1..*", description = "Run directories.")
  List<Path> runs;

  @Option(names = "--out", paramLabel = "DIR", description = "Where to write the report (default: the first run's report/).")
  Path out;

  @Override
  public Integer call() throws Exception {
    System.setProperty("java.awt.headless", "true");
    Path dir = out != null ? out : runs.get(0).resolve("report");
    Path page = RunReport.write(runs, dir);
    System.out.println("report: " + page);
    return 0;
  }
}
