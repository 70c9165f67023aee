package dev.spro.transforms.stages;

import dev.spro.models.engine.NativeMemory;
import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.io.AtomicFiles;
import dev.spro.models.nn.Transformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * The models a worker JVM keeps loaded across stages and iterations: the reference once per run,
 * the policy once per iteration — shared by sampling, scoring and the gradient stage and by every
 * worker thread of the JVM — instead of one copy per stage per worker (4P+1 loads per iteration,
 * each a full copy in native memory and another on the heap while it loads).
 *
 * <p>A model is keyed by its directory and version (its manifest's sha256, else the weights'
 * size and modification time), handed out as a {@link Lease}, and kept after its last lease is
 * closed while the cache is within its budget; over budget, models without leases go, least
 * recently used first. The budget is {@code -Dspro.residentModelBytes}, by default three models
 * of the size being loaded (policy, reference and PRIME's reward model). Sharing is safe because
 * forward passes only read the weights, and the gradient stage, which accumulates gradients on
 * them, runs its shards one at a time ({@code GradientStep}) after the stages that only read.
 */
public final class ResidentModels {
  public static final String METRICS_NAMESPACE = "spro.models";
  /** The time of each load (reading, checking and placing the weights), for the overhead timeline. */
  public static final String LOAD_MICROS = "load_micros";
  private static final Map<String, Entry> CACHE = new LinkedHashMap<>(16, 0.75f, true);

  private ResidentModels() {}

  private static final class Entry {
    final Transformer model;
    final long bytes;
    int leases;

    Entry(Transformer model, long bytes) {
      this.model = model;
      this.bytes = bytes;
    }
  }

  /** A model in use; closing it lets the cache evict the model when it needs the room. */
  public static final class Lease implements AutoCloseable {
    private final Entry entry;
    private boolean closed;

    private Lease(Entry entry) {
      this.entry = entry;
    }

    public Transformer model() {
      return entry.model;
    }

    @Override
    public void close() {
      synchronized (ResidentModels.class) {
        if (!closed) {
          closed = true;
          entry.leases--;
        }
      }
    }
  }

  /**
   * The model in {@code checkpoint}, loaded with {@code spec} if no worker of this JVM has it; the
   * stage's counters {@code spro.models/loads} and {@code bytes_read} count real loads.
   */
  public static Lease acquire(ModelSpec spec, Path checkpoint) {
    String key = key(checkpoint);
    synchronized (ResidentModels.class) { // one load of a model per JVM, not one per thread
      Entry e = CACHE.get(key);
      if (e == null) {
        long bytes = weightBytes(checkpoint);
        evictFor(bytes);
        long start = System.nanoTime();
        Transformer model = spec.load(checkpoint);
        NativeMemory.release(); // the load's staging copies
        e = new Entry(model, bytes);
        CACHE.put(key, e);
        Metrics.counter(METRICS_NAMESPACE, "loads").inc();
        Metrics.counter(METRICS_NAMESPACE, "bytes_read").inc(bytes);
        Metrics.distribution(METRICS_NAMESPACE, LOAD_MICROS).update((System.nanoTime() - start) / 1000);
      }
      e.leases++;
      return new Lease(e);
    }
  }

  /**
   * Closes unleased models, least recently used first, until {@code incoming} more bytes fit in
   * the budget.
   */
  private static void evictFor(long incoming) {
    String configured = System.getProperty("spro.residentModelBytes");
    long budget = configured != null ? Long.parseLong(configured) : 3 * incoming;
    long total = CACHE.values().stream().mapToLong(e -> e.bytes).sum();
    for (Iterator<Map.Entry<String, Entry>> it = CACHE.entrySet().iterator(); it.hasNext() && total + incoming > budget; ) {
      Map.Entry<String, Entry> e = it.next();
      if (e.getValue().leases == 0) {
        e.getValue().model.close();
        total -= e.getValue().bytes;
        it.remove();
      }
    }
  }

  private static long weightBytes(Path checkpoint) {
    try {
      return Files.size(checkpoint.resolve(ModelCheckpoint.WEIGHTS));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + checkpoint.resolve(ModelCheckpoint.WEIGHTS) + ": " + e.getMessage(), e);
    }
  }

  /** The checkpoint's identity: directory and version, so a rewritten checkpoint is loaded again. */
  private static String key(Path checkpoint) {
    Path dir = checkpoint.toAbsolutePath().normalize();
    try {
      Path manifest = dir.resolve(CheckpointIntegrity.MANIFEST);
      if (Files.isRegularFile(manifest)) {
        return dir + "@" + AtomicFiles.sha256(manifest);
      }
      Path weights = dir.resolve(ModelCheckpoint.WEIGHTS);
      return dir + "@" + Files.size(weights) + ":" + Files.getLastModifiedTime(weights).toMillis();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + dir + ": " + e.getMessage(), e);
    }
  }
}
