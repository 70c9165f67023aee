package dev.spro.models.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the DJL PyTorch engine with this project's settings, once per JVM.
 *
 * <p>DJL reads its settings from system properties the first time the engine class loads, so
 * they must be in place before anything touches {@link Engine}. A second {@link #init} with
 * different settings cannot change a running engine; it logs a warning and returns the engine.
 */
public final class DjlRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(DjlRuntime.class);
  public static final String ENGINE_NAME = "PyTorch";

  private static Settings active;

  private DjlRuntime() {}

  /** What {@link #init} configures. Build with {@link #settings()}. */
  public static final class Settings {
    private boolean offline = true;
    private Path cacheDir;
    private int intraOpThreads = 0;
    private int interOpThreads = 1;
    private long seed = 0L;

    private Settings() {}

    /** Offline (the default): the native library must come from the classpath jar. */
    public Settings offline(boolean offline) {
      this.offline = offline;
      return this;
    }

    /** Where DJL extracts the native library (DJL's default: ~/.djl.ai). */
    public Settings cacheDir(Path cacheDir) {
      this.cacheDir = cacheDir;
      return this;
    }

    /** Threads inside one op; 0 means one per available core. */
    public Settings intraOpThreads(int threads) {
      this.intraOpThreads = threads;
      return this;
    }

    /** Threads running independent ops in parallel. */
    public Settings interOpThreads(int threads) {
      this.interOpThreads = threads;
      return this;
    }

    /** Seed of the engine's own generator (our sampling uses seeds of its own). */
    public Settings seed(long seed) {
      this.seed = seed;
      return this;
    }

    public boolean offline() {
      return offline;
    }

    public Path cacheDir() {
      return cacheDir;
    }

    public int intraOpThreads() {
      return intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
    }

    public int interOpThreads() {
      return interOpThreads;
    }

    public long seed() {
      return seed;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Settings s
          && offline == s.offline
          && Objects.equals(cacheDir, s.cacheDir)
          && intraOpThreads() == s.intraOpThreads()
          && interOpThreads == s.interOpThreads
          && seed == s.seed;
    }

    @Override
    public int hashCode() {
      return Objects.hash(offline, cacheDir, intraOpThreads(), interOpThreads, seed);
    }

    @Override
    public String toString() {
      return "offline=" + offline + ", cacheDir=" + (cacheDir == null ? "default" : cacheDir)
          + ", intraOpThreads=" + intraOpThreads() + ", interOpThreads=" + interOpThreads
          + ", seed=" + seed;
    }
  }

  public static Settings settings() {
    return new Settings();
  }

  /** Starts the engine with default settings (offline, DJL's cache, all cores, seed 0). */
  public static Engine init() {
    return init(settings());
  }

  /** Starts the engine with {@code settings}, or returns the running one. */
  public static synchronized Engine init(Settings settings) {
    if (active != null) {
      if (!active.equals(settings)) {
        LOG.warn("DJL engine already started with [{}]; ignoring [{}]", active, settings);
      }
      return Engine.getEngine(ENGINE_NAME);
    }
    System.setProperty("ai.djl.offline", Boolean.toString(settings.offline()));
    System.setProperty("OPT_OUT_TRACKING", "true");
    System.setProperty("ai.djl.default_engine", ENGINE_NAME);
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(settings.intraOpThreads()));
    System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(settings.interOpThreads()));
    if (settings.cacheDir() != null) {
      String dir = settings.cacheDir().toAbsolutePath().toString();
      System.setProperty("DJL_CACHE_DIR", dir);
      System.setProperty("ENGINE_CACHE_DIR", dir);
    }
    Engine engine = Engine.getEngine(ENGINE_NAME);
    engine.setRandomSeed((int) (settings.seed() ^ (settings.seed() >>> 32)));
    active = settings;
    LOG.info("DJL {} {} started [{}]", engine.getEngineName(), engine.getVersion(), settings);
    return engine;
  }

  /**
   * Turns off gradient recording on the calling thread. Torch's grad mode is thread-local and is
   * on in every new thread, so each inference thread (every Beam/Flink worker thread) calls this.
   */
  public static void noGradOnThisThread() {
    init();
    JniUtils.setGradMode(false);
  }

  /** Whether operations on this thread are recorded for a backward pass. */
  public static boolean recordsGradients() {
    return JniUtils.isGradMode();
  }

  /**
   * Turns gradient recording off on the calling thread until the scope is closed, then restores
   * what it was: for inference and in-place parameter updates inside code that may run under a
   * gradient collector. {@code try (var g = DjlRuntime.noGrad()) { ... }}
   */
  public static GradScope noGrad() {
    return new GradScope(JniUtils.isGradMode());
  }

  /** See {@link #noGrad()}. */
  public static final class GradScope implements AutoCloseable {
    private final boolean before;

    private GradScope(boolean before) {
      this.before = before;
      JniUtils.setGradMode(false);
    }

    @Override
    public void close() {
      JniUtils.setGradMode(before);
    }
  }

  /** Turns gradient recording back on for the calling thread (training code). */
  public static void gradOnThisThread() {
    init();
    JniUtils.setGradMode(true);
  }
}
