package dev.spro.transforms.metrics;

import java.io.Serializable;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * A stage's compute time per worker task, for the overhead timeline ({@code bench/overhead.sh}).
 *
 * <p>The stage's {@code micros} counter sums every worker's compute: worker-seconds, not wall
 * time. A stage ends when its slowest task ends, so what it adds to an iteration's wall time is
 * the largest compute of any one task: each DoFn adds its elements' times here and reports the
 * bundle's total at {@code @FinishBundle} as the distribution {@code NAMESPACE/}{@value #TASK_MICROS},
 * whose max is that largest compute (on Flink's batch runner a task's partition is one bundle).
 */
public final class TaskClock implements Serializable {
  public static final String TASK_MICROS = "task_micros";
  private final Distribution taskMicros;
  private transient long micros;

  public TaskClock(String namespace) {
    this(namespace, TASK_MICROS);
  }

  /** A clock of its own name, for a second DoFn of the same namespace. */
  public TaskClock(String namespace, String name) {
    this.taskMicros = Metrics.distribution(namespace, name);
  }

  /** Adds the time since {@code startNanos} ({@link System#nanoTime}); returns it in microseconds. */
  public long addSince(long startNanos) {
    long d = (System.nanoTime() - startNanos) / 1000;
    micros += d;
    return d;
  }

  /** Reports the bundle's compute and starts the next bundle at zero. */
  public void finishBundle() {
    if (micros > 0) {
      taskMicros.update(micros);
    }
    micros = 0;
  }
}
