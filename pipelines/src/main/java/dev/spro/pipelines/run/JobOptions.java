package dev.spro.pipelines.run;

import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.flink.ClusterJars;
import dev.spro.pipelines.flink.FlinkOptions;
import dev.spro.pipelines.flink.JobJarStaging;
import dev.spro.pipelines.flink.LocalFlinkCluster;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Where a run's jobs go, from {@code flink.master}: the run's embedded cluster, Beam's
 * DirectRunner ({@code direct}), or a Flink session cluster at host:port (the job brings this
 * project's classes in its job jar unless the cluster carries this build: {@link JobJarStaging}).
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

  /**
   * Which jars a job for the session cluster of {@code flink.master} stages ({@link JobJarStaging}),
   * asked of the cluster before each job: it may have been restarted with another build since.
   */
  public static JobJarStaging.Decision staging(RunConfig config) {
    try {
      return JobJarStaging.decide(config.flink.master, ClusterJars.jobJar());
    } catch (IllegalStateException e) {
      throw new ConfigException(config.source, e.getMessage(), e);
    }
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
    return FlinkOptions.forSessionCluster(master, staging(config).filesToStage(), config.flink.parallelism, jobName);
  }
}
