package dev.spro.runners.cli;

import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.Driver;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spro sft}: the supervised warm start alone (the first phase of {@code spro train}). */
@Command(name = "sft", mixinStandardHelpOptions = true,
    description = {"Supervised warm start: trains on teacher solutions of the built-in task; the result",
        "becomes iteration 0 and the reference model of the run directory, then is evaluated.",
        "`spro train` on the same run directory continues with RL from there."})
public final class SftCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "Run configuration (YAML).")
  Path config;

  @Option(names = "--run-dir", paramLabel = "DIR", description = "Run directory (default: runs/<run.name>).")
  Path runDir;

  @Override
  public Integer call() throws Exception {
    RunConfig c = RunConfig.load(config);
    if (!c.warmStart.enabled) {
      System.err.println("spro sft: warmStart.enabled is false in this config");
      return 2;
    }
    Path dir = runDir != null ? runDir : Path.of("runs", c.run.name);
    int iterations = c.run.iterations;
    c.run.iterations = 0; // a resume-safe key: the run directory stays valid for `spro train`
    new Driver(c, dir, null, System.out).run();
    System.out.printf("continue with: ./spro train%s --run-dir %s (runs %d RL iterations)%n",
        config == null ? "" : " --config " + config, dir, iterations);
    return 0;
  }
}
