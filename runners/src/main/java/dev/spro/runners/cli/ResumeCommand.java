package dev.spro.runners.cli;

import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.RunDirectory;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
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

  @CommandLine.Mixin RunOptions run = new RunOptions();

  @Option(names = "--from-iteration", paramLabel = "K",
      description = {"Recompute from iteration K's checkpoint: iteration K's stages and every later iteration are",
          "moved aside (to DIR/discarded/<time>/, never deleted) with their metrics lines, then the run goes on."})
  Integer fromIteration;

  @Override
  public Integer call() throws Exception {
    RunConfig c = RunDirectory.frozenConfig(runDir);
    run.applyTo(c);
    run.run(c, runDir, fromIteration);
    return 0;
  }
}
