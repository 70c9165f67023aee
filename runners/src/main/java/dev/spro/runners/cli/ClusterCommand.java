package dev.spro.runners.cli;

import dev.spro.pipelines.flink.ClusterJars;
import dev.spro.runners.cluster.SessionCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spro cluster start|status|stop}: a standalone Flink session cluster on this machine. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = {"Starts, inspects and stops a standalone Flink session cluster on this machine, made of",
        "the jars the build put in runners/target (cluster-lib/ and the job jar). Run on it with",
        "`spro train --flink-master localhost:8081`."},
    subcommands = {ClusterCommand.Start.class, ClusterCommand.Status.class, ClusterCommand.Stop.class})
public final class ClusterCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(System.err);
    return 2;
  }

  /** The cluster directory option every subcommand shares. */
  static final class Dir {
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".flink-cluster",
        description = "Cluster directory: config, logs, pid files (default: ${DEFAULT-VALUE}).")
    Path dir;
  }

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = {"Starts a JobManager and N TaskManagers as separate JVMs, bound to loopback, with the",
          "web UI on --port; waits until every TaskManager has registered."})
  public static final class Start implements Callable<Integer> {
    @CommandLine.Mixin Dir dir = new Dir();

    @Option(names = "--taskmanagers", paramLabel = "N", defaultValue = "1", description = "TaskManagers to start (default ${DEFAULT-VALUE}).")
    int taskManagers;

    @Option(names = "--slots", paramLabel = "S", defaultValue = "2", description = "Task slots per TaskManager (default ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "3g", description = "Process memory per TaskManager (default ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--jobmanager-memory", paramLabel = "SIZE", defaultValue = "1600m", description = "Process memory of the JobManager (default ${DEFAULT-VALUE}).")
    String jobManagerMemory;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8081", description = "REST API and web UI port (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "localhost", description = "Address every process binds to (default ${DEFAULT-VALUE}: loopback only).")
    String host;

    @Option(names = "--gpus", paramLabel = "IDS", split = ",",
        description = "One TaskManager per listed GPU, each started with CUDA_VISIBLE_DEVICES=<id> (replaces --taskmanagers).")
    List<Integer> gpus = List.of();

    @Option(names = "--project-jar", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = {"This build's job jar on the cluster's classpath, so that its jobs stage nothing and run on warm",
            "classes (default). --no-project-jar: every job brings its own jar (a cluster shared by several builds)."})
    boolean projectJar;

    @Option(names = "--prometheus-port", paramLabel = "PORT", defaultValue = "0",
        description = {"Prometheus endpoints on --host: the JobManager's on PORT, TaskManager i's on PORT+1+i",
            "(default ${DEFAULT-VALUE}: none). The run's own gauges come from `spro train` (flink.prometheusPort)."})
    int prometheusPort;

    @Override
    public Integer call() throws Exception {
      SessionCluster.Settings s = new SessionCluster.Settings(taskManagers, slots, memory, jobManagerMemory, host, port, gpus,
          projectJar, prometheusPort);
      SessionCluster cluster = new SessionCluster(dir.dir);
      try {
        cluster.start(s, ClusterJars.clusterLib(), ClusterJars.jobJar(), System.out, Duration.ofMinutes(2));
      } catch (RuntimeException e) {
        cluster.stop(Duration.ofSeconds(10)); // nothing half-started is left behind
        throw e;
      }
      System.out.printf("train on it: ./spro train --flink-master %s:%d    stop it: ./spro cluster stop%s%n", host, port,
          dir.dir.toString().equals(".flink-cluster") ? "" : " --dir " + dir.dir);
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Shows the cluster's processes, TaskManagers, slots and jobs.")
  public static final class Status implements Callable<Integer> {
    @CommandLine.Mixin Dir dir = new Dir();
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      SessionCluster cluster = new SessionCluster(dir.dir);
      spec.commandLine().getOut().print(cluster.status());
      spec.commandLine().getOut().flush();
      return cluster.running().isEmpty() ? 1 : 0;
    }
  }

  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stops every process of the cluster (SIGTERM, then SIGKILL after 15 s).")
  public static final class Stop implements Callable<Integer> {
    @CommandLine.Mixin Dir dir = new Dir();
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      List<String> stopped = new SessionCluster(dir.dir).stop(Duration.ofSeconds(15));
      spec.commandLine().getOut().println(stopped.isEmpty() ? "no cluster running in " + dir.dir.toAbsolutePath().normalize()
          : "stopped " + String.join(", ", stopped));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
