package dev.spro.runners;

import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.run.StageFailure;
import dev.spro.runners.cli.CheckCommand;
import dev.spro.runners.cli.ClusterCommand;
import dev.spro.runners.cli.DataCommand;
import dev.spro.runners.cli.EvalCommand;
import dev.spro.runners.cli.ExportCommand;
import dev.spro.runners.cli.InitCommand;
import dev.spro.runners.cli.ReportCommand;
import dev.spro.runners.cli.ResumeCommand;
import dev.spro.runners.cli.SampleCommand;
import dev.spro.runners.cli.ScoreCommand;
import dev.spro.runners.cli.SftCommand;
import dev.spro.runners.cli.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code spro}: RL post-training of language models with SPRO, as Beam pipelines on Flink. */
@Command(
    name = "spro",
    mixinStandardHelpOptions = true,
    versionProvider = SproCli.Version.class,
    description = {
      "Post-trains language models with reinforcement learning from verifiable rewards,",
      "using SPRO (Self-Guided Process Reward Optimization); GRPO and PRIME as baselines.",
      "Each RL iteration is an Apache Beam pipeline run on Flink."
    },
    subcommands = {
      TrainCommand.class,
      ResumeCommand.class,
      SftCommand.class,
      EvalCommand.class,
      SampleCommand.class,
      ScoreCommand.class,
      ReportCommand.class,
      DataCommand.class,
      InitCommand.class,
      ExportCommand.class,
      ClusterCommand.class,
      CheckCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SproCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Exit code of a subcommand that is declared but not built yet. */
  public static final int EXIT_NOT_IMPLEMENTED = 3;

  /** Exit code of a config (or command line) that cannot run: nothing was written. */
  public static final int EXIT_BAD_CONFIG = 2;

  @Override
  public void run() {
    // `spro` alone: show what there is to do rather than doing nothing silently.
    spec.commandLine().usage(System.err);
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
  }

  public static CommandLine commandLine() {
    return new CommandLine(new SproCli())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(SproCli::reportFailure);
  }

  /**
   * A command that fails says why in one line (the message names the file, key or stage); the
   * stack trace is for {@code SPRO_DEBUG=1}.
   */
  static int reportFailure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    cmd.getErr().println("spro " + cmd.getCommandName() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
    if (System.getenv("SPRO_DEBUG") != null) {
      e.printStackTrace(new java.io.PrintWriter(cmd.getErr(), true));
    } else if (!(e instanceof ConfigException) && !(e instanceof StageFailure)) {
      cmd.getErr().println("(set SPRO_DEBUG=1 for the stack trace)");
    }
    cmd.getErr().flush();
    return e instanceof ConfigException ? EXIT_BAD_CONFIG : 1;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The version from the jar's manifest (set by Maven), or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SproCli.class.getPackage().getImplementationVersion();
      return new String[] {"spro " + (v == null ? "dev" : v)};
    }
  }
}
