package dev.spro.transforms.stages;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For tests of crash recovery: stops the whole process, as a crash would, when a named stage of a
 * named iteration starts. {@code --fail-at 2:gradient} kills the run in iteration 2's gradient
 * stage ({@code Runtime.halt}: no shutdown hooks, nothing flushed — like SIGKILL). Stages:
 * sample, reward, score, advantage, gradient, checkpoint (half-way through writing it). With a
 * third part {@code :hang} the process stops there and waits to be killed from outside; with
 * {@code :stall} a worker stops there on its first attempt only (for killing a TaskManager in the
 * middle of a stage: the retry goes through).
 */
public record FaultInjection(int iteration, String stage, Mode mode) implements Serializable {
  /** What happens at the named stage: the JVM halts, hangs for good, or stalls on the first attempt only. */
  public enum Mode { CRASH, HANG, STALL }

  public static final int EXIT_CODE = 86;
  private static final Logger LOG = LoggerFactory.getLogger(FaultInjection.class);
  public static final java.util.List<String> STAGES =
      List.of("sample", "reward", "score", "advantage", "gradient", "checkpoint", "sft");

  /**
   * Parses {@code ITER:STAGE}; null for null. For the warm start ({@code STAGE} = {@code sft}),
   * {@code ITER} is the supervised step after which it crashes.
   */
  public static FaultInjection parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return null;
    }
    String[] parts = spec.split(":");
    if (parts.length < 2 || parts.length > 3 || !STAGES.contains(parts[1])
        || (parts.length == 3 && !List.of("hang", "stall").contains(parts[2]))) {
      throw new IllegalArgumentException("--fail-at takes ITER:STAGE[:hang|:stall] with STAGE one of " + STAGES + ", got '" + spec + "'");
    }
    Mode mode = parts.length == 2 ? Mode.CRASH : parts[2].equals("hang") ? Mode.HANG : Mode.STALL;
    return new FaultInjection(Integer.parseInt(parts[0]), parts[1], mode);
  }

  /**
   * Halts the JVM, hangs, or stalls if this fault names {@code stage} of {@code iteration}. A
   * stall's first attempt writes {@code fault-stall-<iteration>-<stage>.pid} into {@code dir}
   * (this worker's process id, for a test that kills it) and then waits to be killed or
   * cancelled; a retry finds the file and goes on.
   */
  public static void maybeCrash(FaultInjection fault, int iteration, String stage, Path dir) {
    if (fault == null || fault.iteration != iteration || !fault.stage.equals(stage)) {
      return;
    }
    switch (fault.mode) {
      case HANG -> {
        LOG.error("fault injection: hanging in iteration {} at stage '{}'", iteration, stage);
        while (true) {
          try {
            Thread.sleep(60_000);
          } catch (InterruptedException e) {
            // keep hanging: only a kill from outside ends this
          }
        }
      }
      case STALL -> stall(dir.resolve("fault-stall-" + iteration + "-" + stage + ".pid"), iteration, stage);
      case CRASH -> {
        LOG.error("fault injection: crashing in iteration {} at stage '{}'", iteration, stage);
        System.err.flush();
        Runtime.getRuntime().halt(EXIT_CODE);
      }
    }
  }

  private static void stall(Path marker, int iteration, String stage) {
    try {
      Files.writeString(marker, Long.toString(ProcessHandle.current().pid()), StandardOpenOption.CREATE_NEW);
    } catch (FileAlreadyExistsException e) {
      LOG.info("fault injection: iteration {} stage '{}' was stalled before; going on", iteration, stage);
      return;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LOG.error("fault injection: stalling in iteration {} at stage '{}' until killed", iteration, stage);
    try {
      Thread.sleep(600_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IllegalStateException("fault injection: stalled iteration " + iteration + " stage '" + stage + "' was not killed");
  }
}
