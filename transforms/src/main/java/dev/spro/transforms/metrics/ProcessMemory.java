package dev.spro.transforms.metrics;

import dev.spro.models.engine.NativeMemory;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * The resident set of this worker process — heap, engine memory and everything else the kernel
 * counts, not the JVM's heap — and its peak during each stage.
 *
 * <p>A daemon thread reads {@code VmRSS} from {@code /proc/self/status} every {@link #PERIOD_MS}
 * ms while a stage has a {@link Window} open, and raises the peak of every open window. A stage
 * opens one when a bundle starts and reports its peak when the bundle finishes, as the Beam
 * distribution {@code NAMESPACE/peak_rss_bytes} (its max is the stage's peak over every worker
 * process). Where {@code /proc} is missing the peaks are 0. Opening and closing a window also hand
 * what earlier work freed back to the OS ({@link NativeMemory#release}), so a stage's peak is its
 * own and not what the stages before it left in malloc's arenas.
 */
public final class ProcessMemory {
  public static final String PEAK_RSS = "peak_rss_bytes";
  static final long PERIOD_MS = 50;
  private static final Set<Window> OPEN = ConcurrentHashMap.newKeySet();
  private static Thread sampler;

  private ProcessMemory() {}

  /** The process's resident set now, in bytes; 0 where {@code /proc} is missing. */
  public static long residentBytes() {
    return NativeMemory.residentBytes();
  }

  /** A stage's watch over the resident set, from {@link #open} to {@link #close}. */
  public static final class Window implements AutoCloseable {
    private final AtomicLong peak = new AtomicLong(residentBytes());
    private final Distribution distribution;

    private Window(String namespace) {
      this.distribution = Metrics.distribution(namespace, PEAK_RSS);
    }

    void observe(long bytes) {
      peak.accumulateAndGet(bytes, Math::max);
    }

    /** The highest resident set seen since the window opened. */
    public long peak() {
      return peak.get();
    }

    /** Stops watching and reports the peak to the stage's distribution. */
    @Override
    public void close() {
      OPEN.remove(this);
      observe(residentBytes());
      distribution.update(peak());
      NativeMemory.release();
    }
  }

  /** Opens a window for the stage whose metrics live in {@code namespace}. */
  public static Window open(String namespace) {
    NativeMemory.release();
    Window w = new Window(namespace);
    OPEN.add(w);
    startSampler();
    return w;
  }

  /**
   * Starts the sampler unless it runs. It stops when no window is open, so a job's class loader
   * (a new one per job on a session cluster) is not kept alive by a thread of its own.
   */
  private static synchronized void startSampler() {
    if (sampler != null) {
      return;
    }
    sampler = new Thread(ProcessMemory::sample, "spro-process-memory");
    sampler.setDaemon(true);
    sampler.start();
  }

  private static void sample() {
    while (true) {
      synchronized (ProcessMemory.class) {
        if (OPEN.isEmpty()) {
          sampler = null;
          return;
        }
      }
      long now = residentBytes();
      OPEN.forEach(w -> w.observe(now));
      try {
        Thread.sleep(PERIOD_MS);
      } catch (InterruptedException e) {
        synchronized (ProcessMemory.class) {
          sampler = null;
        }
        return;
      }
    }
  }
}
