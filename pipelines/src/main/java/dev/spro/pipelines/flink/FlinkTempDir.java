package dev.spro.pipelines.flink;

import dev.spro.models.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an embedded Flink cluster keeps its temporary files (the RPC system's 21 MB jar, the BLOB
 * store, spills, the web UI's directories): {@code java.io.tmpdir/spro-flink-PID-N}, removed when
 * the cluster closes and at JVM exit (SIGINT and SIGTERM run the exit hooks). A process killed
 * with SIGKILL cannot clean up, so each new directory first removes those of processes that are
 * no longer alive. Not under the run directory: that may be a shared or a small file system, and
 * nothing here outlives the process.
 */
final class FlinkTempDir implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkTempDir.class);
  private static final String PREFIX = "spro-flink-";

  private final Path dir;
  private final Thread atExit;

  private FlinkTempDir(Path dir) {
    this.dir = dir;
    this.atExit = new Thread(() -> delete(dir), "remove-" + dir.getFileName());
    Runtime.getRuntime().addShutdownHook(atExit);
  }

  static FlinkTempDir create() {
    Path parent = Path.of(System.getProperty("java.io.tmpdir"));
    removeThoseOfDeadProcesses(parent);
    try {
      return new FlinkTempDir(Files.createTempDirectory(parent, PREFIX + ProcessHandle.current().pid() + "-"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a temporary directory for Flink in " + parent + ": " + e.getMessage(), e);
    }
  }

  Path path() {
    return dir;
  }

  @Override
  public void close() {
    delete(dir);
    try {
      Runtime.getRuntime().removeShutdownHook(atExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or about to: it removes the directory again, harmlessly
    }
  }

  private static void removeThoseOfDeadProcesses(Path parent) {
    try (Stream<Path> s = Files.list(parent)) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith(PREFIX)).toList()) {
        String[] parts = p.getFileName().toString().substring(PREFIX.length()).split("-", 2);
        try {
          long pid = Long.parseLong(parts[0]);
          if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            continue;
          }
        } catch (NumberFormatException notOurs) {
          continue;
        }
        delete(p);
      }
    } catch (IOException e) {
      LOG.warn("cannot list {} for stale Flink directories: {}", parent, e.toString());
    }
  }

  /** Deletes {@code dir}, retrying a few times: at exit, Flink's threads may still be writing into it. */
  private static void delete(Path dir) {
    for (int attempt = 1; ; attempt++) {
      try {
        AtomicFiles.deleteRecursively(dir);
        return;
      } catch (IOException | RuntimeException e) {
        if (attempt == 5) {
          LOG.warn("could not remove Flink's temporary directory {}: {}", dir, e.toString());
          return;
        }
        try {
          Thread.sleep(100L * attempt);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
