package dev.spro.runners.cli;

import ai.djl.engine.Engine;
import dev.spro.models.engine.DjlRuntime;
import dev.spro.pipelines.check.EngineCheck;
import dev.spro.pipelines.flink.ClusterJars;
import dev.spro.pipelines.flink.FlinkOptions;
import dev.spro.pipelines.flink.JobJarStaging;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spro check}: proves this installation works end to end before a long run: the engine
 * loads offline, and a Beam pipeline on Flink does tensor work in its workers with results equal
 * to plain-Java arithmetic.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = {"Checks the installation: engine offline, Beam on Flink, correct results.",
        "Loads the DJL engine offline, then runs a Beam pipeline on Flink whose workers do",
        "tensor work, and compares every result with plain-Java arithmetic."})
public final class CheckCommand implements Callable<Integer> {
  @Option(names = "--flink-master", paramLabel = "HOST:PORT", defaultValue = FlinkOptions.LOCAL,
      description = "Flink to run on (default: ${DEFAULT-VALUE}, an embedded cluster).")
  String flinkMaster;

  @Option(names = "--parallelism", paramLabel = "P", defaultValue = "2", description = "Parallel workers.")
  int parallelism;

  @Option(names = "--elements", paramLabel = "N", defaultValue = "200", description = "Elements to process.")
  int elements;

  @Option(names = "--size", paramLabel = "D", defaultValue = "256", description = "Matrix size per element.")
  int size;

  @Override
  public Integer call() {
    Engine engine = DjlRuntime.init();
    System.out.printf("engine   : %s %s, offline=%s, %d intra-op threads%n", engine.getEngineName(),
        engine.getVersion(), System.getProperty("ai.djl.offline"),
        DjlRuntime.settings().intraOpThreads());
    System.out.printf("pipeline : %d elements of %dx%d mat-vec on Flink %s, parallelism %d%n",
        elements, size, size, flinkMaster, parallelism);
    var options = FlinkOptions.forJob(flinkMaster, parallelism, "spro-check");
    if (!flinkMaster.equals(FlinkOptions.LOCAL)) {
      // a session cluster: its own copy of this build, or the job jar — never this JVM's whole classpath
      JobJarStaging.Decision staging = JobJarStaging.decide(flinkMaster, ClusterJars.jobJar());
      System.out.println("cluster  : " + staging.reason());
      options.setFilesToStage(staging.filesToStage());
    }
    EngineCheck.Report report = EngineCheck.run(options, elements, size);
    System.out.printf("result   : %d processed, %d match plain Java, %d differ, %.1f s%n",
        report.elements(), report.matched(), report.mismatched(), report.seconds());
    boolean ok = report.passed(elements);
    System.out.println(ok ? "check passed" : "check FAILED");
    return ok ? 0 : 1;
  }
}
