package dev.spro.pipelines.flink;

import java.net.URI;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One embedded Flink cluster for a whole run: a JobManager and a TaskManager inside this JVM,
 * with the REST API and web UI on localhost, kept up between iterations so the UI shows every
 * iteration's job. Beam jobs run on it with {@link #options} (the job graph is handed over inside
 * the JVM; see {@link MiniClusterExecutor}).
 */
public final class LocalFlinkCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalFlinkCluster.class);
  private final MiniCluster cluster;
  private final URI rest;

  private LocalFlinkCluster(MiniCluster cluster, URI rest) {
    this.cluster = cluster;
    this.rest = rest;
  }

  /**
   * Starts a cluster with {@code slots} task slots and the web UI on {@code port} (0: any free
   * port). A port already in use is a clear error, not a silent move to another port.
   */
  public static LocalFlinkCluster start(int port, int slots) {
    Configuration conf = new Configuration();
    conf.set(RestOptions.BIND_ADDRESS, "localhost");
    conf.set(RestOptions.ADDRESS, "localhost");
    conf.set(RestOptions.PORT, port);
    conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
    conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("64m"));
    conf.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.parse("64m"));
    conf.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.parse("64m"));
    conf.setString("jobstore.expiration-time", "86400");
    conf.set(JobManagerOptions.ADDRESS, "localhost");
    // Jobs share this JVM's classpath. Child-first loading would load DJL again for each job, and
    // the native engine can be loaded by only one class loader per JVM.
    conf.set(CoreOptions.CLASSLOADER_RESOLVE_ORDER, "parent-first");
    MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
        .setConfiguration(conf)
        .setNumTaskManagers(1)
        .setNumSlotsPerTaskManager(slots)
        .build());
    try {
      cluster.start();
      URI rest = cluster.getRestAddress().get();
      MiniClusterExecutor.install(cluster);
      LOG.info("Flink cluster started; web UI at {}", rest);
      return new LocalFlinkCluster(cluster, rest);
    } catch (Exception e) {
      try {
        cluster.close();
      } catch (Exception ignored) {
        // the start failure is what matters
      }
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof java.net.BindException) {
          throw new IllegalStateException("port " + port + " for the Flink web UI is already in use; choose another with "
              + "flink.restPort in the config (or stop what uses it)", e);
        }
      }
      throw new IllegalStateException("cannot start the embedded Flink cluster: " + e.getMessage(), e);
    }
  }

  /** The web UI / REST address, e.g. http://localhost:8081. */
  public URI webUi() {
    return rest;
  }

  /** Options for a Beam job on this cluster. */
  public org.apache.beam.runners.flink.FlinkPipelineOptions options(int parallelism, String jobName) {
    return FlinkOptions.forJob(FlinkOptions.AUTO, parallelism, jobName, false);
  }

  @Override
  public void close() {
    MiniClusterExecutor.uninstall();
    try {
      cluster.close();
    } catch (Exception e) {
      LOG.warn("stopping the embedded Flink cluster: {}", e.toString());
    }
  }
}
