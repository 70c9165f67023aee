package dev.spro.pipelines.run;

import dev.spro.models.io.AtomicFiles;
import dev.spro.transforms.stages.RunLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;

/**
 * A job of the run that failed, told the way a user can act on it: the root cause's message (the
 * innermost exception that carries one, not Beam's "Pipeline execution failed" or Flink's
 * wrappers), the iteration and stage, and the file where the full trace was written.
 */
public final class StageFailure extends RuntimeException {
  private StageFailure(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * What a job is, for the message, and where its trace goes.
   *
   * @param describe e.g. {@code iteration 3, stage score}; asked after the failure, so it can look
   *     at what was committed
   */
  public record Where(Supplier<String> describe, Path traceFile) {
    /** Job {@code job} of the run in {@code runDir}: its trace goes to {@code runDir/logs/JOB.log}. */
    public static Where of(Path runDir, String job, Supplier<String> describe) {
      return new Where(describe, runDir.resolve(RunLayout.LOGS).resolve(job + ".log"));
    }
  }

  /** Runs {@code p} to the end; a failure becomes a {@link StageFailure} naming its root cause. */
  public static PipelineResult run(Pipeline p, Where where) {
    PipelineResult result;
    PipelineResult.State state;
    try {
      result = p.run();
      state = result.waitUntilFinish();
    } catch (RuntimeException e) {
      throw of(e, where);
    }
    if (state != PipelineResult.State.DONE) {
      throw of(new IllegalStateException("the job ended in state " + state), where);
    }
    return result;
  }

  static StageFailure of(Throwable t, Where where) {
    Throwable root = rootCause(t);
    String trace = "not written";
    try {
      Files.createDirectories(where.traceFile().getParent());
      StringWriter w = new StringWriter();
      t.printStackTrace(new PrintWriter(w));
      AtomicFiles.writeString(where.traceFile(), w.toString());
      trace = where.traceFile().toString();
    } catch (IOException | RuntimeException e) {
      trace = "not written: " + e.getMessage();
    }
    return new StageFailure(where.describe().get() + " failed: " + describe(root) + "\n  full trace: " + trace, t);
  }

  /** The innermost exception that carries a message (wrappers repeat or hide it). */
  static Throwable rootCause(Throwable t) {
    Throwable found = t;
    for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        found = c;
      }
    }
    return found;
  }

  private static String describe(Throwable root) {
    boolean plain = root instanceof IllegalArgumentException || root instanceof IllegalStateException
        || root instanceof java.io.UncheckedIOException;
    String message = root.getMessage() == null ? "" : root.getMessage();
    return plain ? message : root.getClass().getSimpleName() + ": " + message;
  }
}
