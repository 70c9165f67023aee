package dev.spro.pipelines.flink;

import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.dag.Pipeline;
import org.apache.flink.client.deployment.executors.PipelineExecutorUtils;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;

/**
 * Runs Flink batch jobs on a {@link MiniCluster} of this JVM by handing it the job graph
 * directly. Submitting through the cluster's REST API instead would upload the whole classpath
 * as user jars for every job (hundreds of megabytes with the native engine: half a minute per
 * iteration), and this JVM already has every class.
 *
 * <p>{@link #install} makes it the {@link ContextEnvironment}, which Beam's Flink runner uses
 * when its master is {@code [auto]}.
 */
final class MiniClusterExecutor {
  static final String TARGET = "spro-embedded-cluster";

  private MiniClusterExecutor() {}

  /** From now on, {@code [auto]} Flink jobs of this JVM run on {@code cluster}. */
  static void install(MiniCluster cluster) {
    ContextEnvironment.install(TARGET, new Configuration(),
        (Pipeline pipeline, Configuration conf, ClassLoader classLoader) -> submit(cluster, pipeline, conf, classLoader));
  }

  /** Back to Flink's default (a new local cluster per job). */
  static void uninstall() {
    ContextEnvironment.uninstall();
  }

  private static CompletableFuture<JobClient> submit(MiniCluster cluster, Pipeline pipeline, Configuration conf,
      ClassLoader classLoader) throws Exception {
    JobGraph job = PipelineExecutorUtils.getJobGraph(pipeline, conf, classLoader);
    return cluster.submitJob(job).thenApply(result -> new MiniClusterJobClient(result.getJobID(), cluster, classLoader,
        MiniClusterJobClient.JobFinalizationBehavior.NOTHING));
  }
}
