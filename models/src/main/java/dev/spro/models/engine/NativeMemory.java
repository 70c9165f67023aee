package dev.spro.models.engine;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's native memory: how much is resident, and handing what the engine freed back to
 * the operating system.
 *
 * <p>The engine's tensors come from glibc's malloc. Those under its mmap threshold (which grows to
 * 32 MB as big blocks are freed) live in arenas, and a freed block there stays resident until
 * whatever lies above it is freed too: after a few stages of tensors of changing sizes — prompts
 * and batches of different lengths — most of an arena is free but resident. At a 0.5B model this
 * kept several GB more resident than the live tensors needed. {@code malloc_trim(0)} returns
 * every free page of every arena; it costs a few milliseconds, so the stages call it when their
 * work is done, not per operation. Where glibc is missing (another libc, macOS) it does nothing.
 */
public final class NativeMemory {
  private interface CLibrary extends Library {
    int malloc_trim(long pad);
  }

  private static final CLibrary LIBC = load();
  private static final Path STATUS = Path.of("/proc/self/status");

  private NativeMemory() {}

  private static CLibrary load() {
    try {
      CLibrary c = Native.load("c", CLibrary.class);
      c.malloc_trim(0); // glibc has it; others fail here and are left alone
      return c;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return null;
    }
  }

  /** The process's resident set now, in bytes (heap, engine and all): {@code VmRSS}; 0 where {@code /proc} is missing. */
  public static long residentBytes() {
    try {
      for (String l : Files.readAllLines(STATUS)) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  /** Returns free memory of the process's malloc arenas to the OS; false where that is not possible. */
  public static boolean release() {
    return LIBC != null && LIBC.malloc_trim(0) == 1;
  }
}
