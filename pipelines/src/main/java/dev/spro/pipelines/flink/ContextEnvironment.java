package dev.spro.pipelines.flink;

import java.util.stream.Stream;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;

/**
 * The context execution environment of this JVM — the one Beam's Flink runner uses when its master
 * is {@code [auto]} — set to run every job with one executor of ours: {@link MiniClusterExecutor}
 * (the run's embedded cluster) or {@link SessionClusterExecutor} (a session cluster over REST).
 */
final class ContextEnvironment extends ExecutionEnvironment {
  private ContextEnvironment() {
    super();
  }

  /** From now on, {@code [auto]} Flink jobs of this JVM run on {@code executor}, with {@code conf} as their configuration. */
  static void install(String target, Configuration conf, PipelineExecutor executor) {
    PipelineExecutorServiceLoader loader = new PipelineExecutorServiceLoader() {
      @Override
      public PipelineExecutorFactory getExecutorFactory(Configuration configuration) {
        return new PipelineExecutorFactory() {
          @Override
          public String getName() {
            return target;
          }

          @Override
          public boolean isCompatibleWith(Configuration c) {
            return true;
          }

          @Override
          public PipelineExecutor getExecutor(Configuration c) {
            return executor;
          }
        };
      }

      @Override
      public Stream<String> getExecutorNames() {
        return Stream.of(target);
      }
    };
    initializeContextEnvironment(() -> {
      Configuration job = new Configuration(conf);
      job.set(DeploymentOptions.TARGET, target);
      job.set(DeploymentOptions.ATTACHED, true);
      return new ExecutionEnvironment(loader, job, Thread.currentThread().getContextClassLoader());
    });
  }

  /** Back to Flink's default (a new local cluster per job). */
  static void uninstall() {
    resetContextEnvironment();
  }
}
