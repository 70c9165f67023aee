package dev.spro.pipelines.flink;

import java.net.URI;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One embedded Flink cluster for a whole run: a JobManager and a TaskManager inside this JVM,
 * with the REST API and web UI on the configured host (loopback by default), kept up between iterations so the UI shows every
 * iteration's job. Beam jobs run on it with {@link #options} (the job graph is handed over inside
 * the JVM; see {@link MiniClusterExecutor}).
 */
public final class LocalFlinkCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalFlinkCluster.class);
  private final MiniCluster cluster;
  private final URI rest;
  private final FlinkTempDir tmp;

  private LocalFlinkCluster(MiniCluster cluster, URI rest, FlinkTempDir tmp) {
    this.cluster = cluster;
    this.rest = rest;
    this.tmp = tmp;
  }

  /**
   * Starts a cluster with {@code slots} task slots, every listener (REST and web UI on {@code
   * port}, 0: any free port; BLOB server, RPC, data exchange) bound to {@code host}, and Flink's
   * temporary files in a directory of this process ({@link FlinkTempDir}), removed when the
   * cluster closes or the JVM exits. A port already in use is a clear error, not a silent move to
   * another port.
   *
   * <p>The REST API accepts no jars and cancels nothing: the run submits its own jobs inside this
   * JVM, and a jar uploaded through {@code /jars} would run its {@code main()} here.
   */
  public static LocalFlinkCluster start(String host, int port, int slots) {
    return start(host, port, slots, 0);
  }

  /**
   * As {@link #start(String, int, int)}, with a Prometheus endpoint on {@code host:prometheusPort}
   * ({@link PrometheusReporter}; 0: none).
   */
  public static LocalFlinkCluster start(String host, int port, int slots, int prometheusPort) {
    FlinkTempDir tmp = FlinkTempDir.create();
    Path tmpDir = tmp.path();
    Configuration conf = new Configuration();
    conf.set(RestOptions.BIND_ADDRESS, host);
    conf.set(RestOptions.ADDRESS, host);
    conf.set(RestOptions.PORT, port);
    conf.set(WebOptions.SUBMIT_ENABLE, false);
    conf.set(WebOptions.CANCEL_ENABLE, false);
    conf.set(JobManagerOptions.ADDRESS, host);
    conf.set(JobManagerOptions.BIND_HOST, host); // RPC and the BLOB server
    conf.set(TaskManagerOptions.HOST, host);
    conf.set(TaskManagerOptions.BIND_HOST, host); // RPC and data exchange
    conf.set(CoreOptions.TMP_DIRS, tmpDir.toString());
    conf.set(WebOptions.TMP_DIR, tmpDir.toString());
    conf.set(WebOptions.UPLOAD_DIR, tmpDir.resolve("web-upload").toString());
    conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
    conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("64m"));
    conf.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.parse("64m"));
    conf.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.parse("64m"));
    conf.setString("jobstore.expiration-time", "86400");
    if (prometheusPort > 0) {
      conf.setString("metrics.reporters", "prom");
      conf.setString("metrics.reporter.prom.factory.class", PrometheusReporterFactory.class.getName());
      conf.setString("metrics.reporter.prom.host", host);
      conf.setString("metrics.reporter.prom.port", Integer.toString(prometheusPort));
    }
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
      return new LocalFlinkCluster(cluster, rest, tmp);
    } catch (Exception e) {
      try {
        cluster.close();
      } catch (Exception ignored) {
        // the start failure is what matters
      }
      tmp.close();
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof java.net.BindException) {
          throw new IllegalStateException("port " + port + " on " + host + " for the Flink web UI is already in use "
              + "(or the address is not this machine's); choose another with flink.restPort / flink.host in the config "
              + "(or stop what uses it)", e);
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
    tmp.close();
  }
}
