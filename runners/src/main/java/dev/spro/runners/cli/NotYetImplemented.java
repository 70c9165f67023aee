package dev.spro.runners.cli;

import dev.spro.runners.SproCli;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * Base of a subcommand whose options are declared but whose work is not built yet: it says so on
 * standard error and exits with {@link SproCli#EXIT_NOT_IMPLEMENTED}.
 */
public abstract class NotYetImplemented implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The piece of work that will implement this command, named for the user. */
  protected abstract String plannedIn();

  @Override
  public Integer call() {
    System.err.printf("spro %s: not yet implemented (planned in: %s).%n",
        spec.qualifiedName(" ").replaceFirst("^spro ", ""), plannedIn());
    return SproCli.EXIT_NOT_IMPLEMENTED;
  }
}
