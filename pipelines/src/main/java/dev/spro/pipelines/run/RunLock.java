package dev.spro.pipelines.run;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One writer per run directory: an OS file lock on {@code run.lock}, held by the driver for as
 * long as it runs, with the holder written inside ({@code pid 4242 on host-a since …}) so that a
 * second {@code spro train} or {@code resume} can say who holds it. The operating system releases
 * the lock when its process dies, however it dies; a lock file left by a dead process is therefore
 * not locked, and the next driver takes it over (and says so).
 */
public final class RunLock implements AutoCloseable {
  public static final String FILE = "run.lock";

  private final FileChannel channel;
  private final FileLock lock;
  private final String previousHolder;

  private RunLock(FileChannel channel, FileLock lock, String previousHolder) {
    this.channel = channel;
    this.lock = lock;
    this.previousHolder = previousHolder;
  }

  /** Takes the lock of run directory {@code dir}, or fails at once naming the process that holds it. */
  public static RunLock acquire(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // this JVM holds it already (a second driver in one process)
    } catch (IOException e) {
      channel.close();
      throw new IOException("cannot lock " + file + ": " + e.getMessage()
          + " (the run directory's file system must support file locks)", e);
    }
    String holder = read(channel);
    if (lock == null) {
      channel.close();
      throw new IllegalStateException("run directory " + dir + " is in use by another spro process ("
          + (holder.isEmpty() ? "holder unknown" : holder) + "); wait for it to finish or stop it. Two writers "
          + "would interleave their iterations and metrics.");
    }
    channel.truncate(0);
    channel.write(ByteBuffer.wrap((self() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(true);
    return new RunLock(channel, lock, holder.isEmpty() ? null : holder);
  }

  /** The holder recorded by a process that died without releasing the lock, or null. */
  public String staleHolder() {
    return previousHolder;
  }

  /** Who this process is, as written into the lock file. */
  static String self() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "unknown host";
    }
    return "pid " + ProcessHandle.current().pid() + " on " + host + " since " + Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  private static String read(FileChannel channel) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(4096, channel.size()));
    channel.read(buf, 0);
    return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
  }

  /** Empties the holder line and releases the lock (the file stays: deleting it would race a new holder). */
  @Override
  public void close() throws IOException {
    try {
      channel.truncate(0);
      lock.release();
    } finally {
      channel.close();
    }
  }
}
