package dev.spro.pipelines.run;

import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.flink.ClusterJars;
import dev.spro.pipelines.flink.FlinkOptions;
import dev.spro.pipelines.flink.LocalFlinkCluster;
import java.util.List;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Where a run's jobs go, from {@code flink.master}: the run's embedded cluster, Beam's
 * DirectRunner ({@code direct}), or a Flink session cluster at host:port (the job brings this
 * project's classes in its job jar; the cluster has Flink, Beam and DJL).
 */
public final class JobOptions {
  private JobOptions() {}

  /**
   * The options of job {@code jobName}, described ({@link RunJobOptions}) as {@code job} of the run
   * at {@code iteration} (null: none).
   */
  public static PipelineOptions of(RunConfig config, LocalFlinkCluster cluster, String jobName, String job, Integer iteration) {
    return RunJobOptions.describe(of(config, cluster, jobName), config, job, iteration);
  }

  private static PipelineOptions of(RunConfig config, LocalFlinkCluster cluster, String jobName) {
    String master = config.flink.master;
    if (master.equals("direct")) {
      PipelineOptions o = PipelineOptionsFactory.create();
      o.setRunner(DirectRunner.class);
      o.setJobName(jobName);
      return o;
    }
    if (cluster != null) {
      return cluster.options(config.flink.parallelism, jobName);
    }
    var options = FlinkOptions.forJob(master, config.flink.parallelism, jobName);
    options.setFilesToStage(List.of(ClusterJars.jobJar().toString()));
    return options;
  }
}
