package dev.spro.transforms.stages;

import java.io.Serializable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For tests of crash recovery: stops the whole process, as a crash would, when a named stage of a
 * named iteration starts. {@code --fail-at 2:gradient} kills the run in iteration 2's gradient
 * stage ({@code Runtime.halt}: no shutdown hooks, nothing flushed — like SIGKILL). Stages:
 * sample, reward, score, advantage, gradient, checkpoint (half-way through writing it). With a
 * third part {@code :hang} the process stops there and waits to be killed from outside.
 */
public record FaultInjection(int iteration, String stage, boolean hang) implements Serializable {
  public static final int EXIT_CODE = 86;
  private static final Logger LOG = LoggerFactory.getLogger(FaultInjection.class);
  public static final java.util.List<String> STAGES =
      java.util.List.of("sample", "reward", "score", "advantage", "gradient", "checkpoint");

  /** Parses {@code ITER:STAGE}; null for null. */
  public static FaultInjection parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return null;
    }
    String[] parts = spec.split(":");
    if (parts.length < 2 || parts.length > 3 || !STAGES.contains(parts[1]) || (parts.length == 3 && !parts[2].equals("hang"))) {
      throw new IllegalArgumentException("--fail-at takes ITER:STAGE[:hang] with STAGE one of " + STAGES + ", got '" + spec + "'");
    }
    return new FaultInjection(Integer.parseInt(parts[0]), parts[1], parts.length == 3);
  }

  /** Halts the JVM if this fault names {@code stage} of {@code iteration}. */
  public static void maybeCrash(FaultInjection fault, int iteration, String stage) {
    if (fault != null && fault.iteration == iteration && fault.stage.equals(stage)) {
      if (fault.hang) {
        LOG.error("fault injection: hanging in iteration {} at stage '{}'", iteration, stage);
        while (true) {
          try {
            Thread.sleep(60_000);
          } catch (InterruptedException e) {
            // keep hanging: only a kill from outside ends this
          }
        }
      }
      LOG.error("fault injection: crashing in iteration {} at stage '{}'", iteration, stage);
      System.err.flush();
      Runtime.getRuntime().halt(EXIT_CODE);
    }
  }
}
