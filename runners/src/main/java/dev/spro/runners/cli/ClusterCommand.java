package dev.spro.runners.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spro cluster start|status|stop}: a local standalone Flink session cluster. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "Starts, inspects and stops a standalone Flink session cluster on this machine.",
    subcommands = {ClusterCommand.Start.class, ClusterCommand.Status.class, ClusterCommand.Stop.class})
public final class ClusterCommand extends NotYetImplemented {
  static final String PLANNED = "Flink cluster deployment";

  @Override
  protected String plannedIn() {
    return PLANNED + " (use a subcommand: start, status, stop)";
  }

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Starts a JobManager and N TaskManagers as separate JVMs, web UI on localhost.")
  public static final class Start extends NotYetImplemented {
    @Option(names = "--taskmanagers", paramLabel = "N", defaultValue = "1", description = "TaskManagers to start.")
    int taskManagers;

    @Option(names = "--slots", paramLabel = "S", defaultValue = "2", description = "Task slots per TaskManager.")
    int slots;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "3g", description = "Process memory per TaskManager.")
    String memory;

    @Option(names = "--gpus", paramLabel = "IDS", split = ",", description = "One TaskManager per listed GPU (CUDA_VISIBLE_DEVICES).")
    int[] gpus;

    @Override
    protected String plannedIn() {
      return PLANNED;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Shows the cluster's processes and jobs.")
  public static final class Status extends NotYetImplemented {
    @Override
    protected String plannedIn() {
      return PLANNED;
    }
  }

  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stops every process of the cluster.")
  public static final class Stop extends NotYetImplemented {
    @Override
    protected String plannedIn() {
      return PLANNED;
    }
  }
}
