package dev.spro.pipelines.flink;

import java.util.List;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** Builds {@link FlinkPipelineOptions} for a job. */
public final class FlinkOptions {
  /** Flink's name for an embedded mini cluster started for the job and stopped after it. */
  public static final String LOCAL = "[local]";
  /** The context environment: the run's embedded cluster once {@link LocalFlinkCluster} started. */
  public static final String AUTO = "[auto]";

  private FlinkOptions() {}

  /**
   * Options for a batch job on {@code master} ({@link #LOCAL}, or host:port of a Flink REST
   * endpoint) with the given parallelism and job name.
   */
  public static FlinkPipelineOptions forJob(String master, int parallelism, String jobName) {
    return forJob(master, parallelism, jobName, !LOCAL.equals(master) && !AUTO.equals(master));
  }

  /**
   * As above; {@code stageFiles} false for a cluster that shares this JVM's classpath (the
   * embedded one), true for a remote cluster, which gets the job's jars.
   */
  public static FlinkPipelineOptions forJob(String master, int parallelism, String jobName, boolean stageFiles) {
    FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    options.setFlinkMaster(master);
    options.setParallelism(parallelism);
    options.setJobName(jobName);
    options.setStreaming(false);
    // Our DoFns never mutate their inputs, so Flink may pass records without defensive copies.
    options.setFasterCopy(true);
    if (!stageFiles) {
      // An embedded cluster shares our classpath: nothing to stage (Beam would otherwise zip
      // every classpath directory on each submission).
      options.setFilesToStage(List.of());
    }
    return options;
  }

  /**
   * Options for a batch job on the session cluster whose REST endpoint is {@code master}
   * (host:port), staging {@code jars}: the job goes to the context environment, which this sets
   * to that cluster ({@link SessionClusterExecutor}: Flink's remote submission, without its
   * client's slow polling for the job's end). {@link #endSessionClusterJobs} sets it back.
   */
  public static FlinkPipelineOptions forSessionCluster(String master, List<String> jars, int parallelism,
      String jobName) {
    int colon = master.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("flink.master '" + master + "' is not host:port");
    }
    SessionClusterExecutor.install(master.substring(0, colon), Integer.parseInt(master.substring(colon + 1)), jars);
    return forJob(AUTO, parallelism, jobName, false);
  }

  /** After a run's last job on a session cluster: {@code [auto]} jobs no longer go there. */
  public static void endSessionClusterJobs() {
    SessionClusterExecutor.uninstall();
  }
}
