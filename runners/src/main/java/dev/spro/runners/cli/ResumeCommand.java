package dev.spro.runners.cli;

import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.Driver;
import dev.spro.pipelines.run.RunDirectory;
import dev.spro.transforms.stages.FaultInjection;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spro resume DIR}: continues a run from its last committed stage with its frozen config. */
@Command(name = "resume", mixinStandardHelpOptions = true,
    description = {"Continues a crashed or stopped run from its last committed stage, bit-identically.",
        "Uses the run's frozen config; only resume-safe keys (iterations, Flink, retention) may change."})
public final class ResumeCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", description = "The run directory.")
  Path runDir;

  @Option(names = "--iterations", paramLabel = "N", description = "Run to this many iterations instead.")
  Integer iterations;

  @Option(names = "--flink-master", paramLabel = "HOST:PORT", description = "Submit to this Flink cluster.")
  String flinkMaster;

  @Option(names = "--fail-at", paramLabel = "ITER:STAGE", description = "Testing: exit non-zero at this stage.")
  String failAt;

  @Override
  public Integer call() throws Exception {
    RunConfig c = RunDirectory.frozenConfig(runDir);
    if (iterations != null) {
      c.run.iterations = iterations;
    }
    if (flinkMaster != null) {
      c.flink.master = flinkMaster;
    }
    new Driver(c, runDir, FaultInjection.parse(failAt), System.out).run();
    ReportCommand.writeFor(runDir);
    return 0;
  }
}
