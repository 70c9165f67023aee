package dev.spro.pipelines.flink;

import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.flink.api.dag.Pipeline;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.client.deployment.executors.PipelineExecutorUtils;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;

/**
 * Runs Flink batch jobs on a {@link MiniCluster} of this JVM by handing it the job graph
 * directly. Submitting through the cluster's REST API instead would upload the whole classpath
 * as user jars for every job (hundreds of megabytes with the native engine: half a minute per
 * iteration), and this JVM already has every class.
 *
 * <p>{@link #install} makes it the context execution environment, which Beam's Flink runner uses
 * when its master is {@code [auto]}.
 */
final class MiniClusterExecutor extends ExecutionEnvironment {
  static final String TARGET = "spro-embedded-cluster";

  private MiniClusterExecutor() {
    super();
  }

  /** From now on, {@code [auto]} Flink jobs of this JVM run on {@code cluster}. */
  static void install(MiniCluster cluster) {
    PipelineExecutorServiceLoader loader = new PipelineExecutorServiceLoader() {
      @Override
      public PipelineExecutorFactory getExecutorFactory(Configuration configuration) {
        return new PipelineExecutorFactory() {
          @Override
          public String getName() {
            return TARGET;
          }

          @Override
          public boolean isCompatibleWith(Configuration c) {
            return true;
          }

          @Override
          public PipelineExecutor getExecutor(Configuration c) {
            return (Pipeline pipeline, Configuration conf, ClassLoader classLoader) -> submit(cluster, pipeline, conf, classLoader);
          }
        };
      }

      @Override
      public Stream<String> getExecutorNames() {
        return Stream.of(TARGET);
      }
    };
    initializeContextEnvironment(() -> {
      Configuration conf = new Configuration();
      conf.set(DeploymentOptions.TARGET, TARGET);
      conf.set(DeploymentOptions.ATTACHED, true);
      return new ExecutionEnvironment(loader, conf, Thread.currentThread().getContextClassLoader());
    });
  }

  /** Back to Flink's default (a new local cluster per job). */
  static void uninstall() {
    resetContextEnvironment();
  }

  private static CompletableFuture<JobClient> submit(MiniCluster cluster, Pipeline pipeline, Configuration conf,
      ClassLoader classLoader) throws Exception {
    JobGraph job = PipelineExecutorUtils.getJobGraph(pipeline, conf, classLoader);
    return cluster.submitJob(job).thenApply(result -> new MiniClusterJobClient(result.getJobID(), cluster, classLoader,
        MiniClusterJobClient.JobFinalizationBehavior.NOTHING));
  }
}
