package dev.spro.models.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.models.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every checkpoint a run commits carries a {@code manifest.json} with each file's size and
 * sha256; a checkpoint is checked against it before its bytes are used — a flipped bit in {@code
 * model.safetensors} would otherwise train on, and be sealed into the next checkpoint's fresh
 * manifest. Hashing a checkpoint costs a read of it, so each version is verified once per JVM:
 * the key is the directory, the manifest's own hash and every listed file's size and
 * modification time, so a file replaced afterwards is verified again. A directory without a
 * manifest (a user's Hugging Face checkpoint) has nothing to check against and passes.
 */
public final class CheckpointIntegrity {
  public static final String MANIFEST = "manifest.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> VERIFIED = ConcurrentHashMap.newKeySet();
  private static final AtomicLong HASHED_BYTES = new AtomicLong();

  private CheckpointIntegrity() {}

  /** Checks {@code dir} against its manifest (once per version per JVM), or throws naming the file. */
  public static void verify(Path dir) {
    Path manifest = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(manifest)) {
      return;
    }
    try {
      JsonNode m = JSON.readTree(manifest.toFile());
      JsonNode files = m.path("files");
      StringBuilder key = new StringBuilder(dir.toAbsolutePath().normalize() + "|" + AtomicFiles.sha256(manifest));
      for (JsonNode f : files) {
        Path file = dir.resolve(f.path("path").asText());
        if (!Files.isRegularFile(file)) {
          throw corrupt(dir, m, f.path("path").asText() + " is missing");
        }
        key.append('|').append(file.getFileName()).append(':').append(Files.size(file)).append(':')
            .append(Files.getLastModifiedTime(file).toMillis());
      }
      if (VERIFIED.contains(key.toString())) {
        return;
      }
      synchronized (CheckpointIntegrity.class) { // one JVM hashes a checkpoint once, not once per thread
        if (VERIFIED.contains(key.toString())) {
          return;
        }
        for (JsonNode f : files) {
          String name = f.path("path").asText();
          Path file = dir.resolve(name);
          long size = Files.size(file);
          if (size != f.path("size").asLong()) {
            throw corrupt(dir, m, name + " has " + size + " bytes, the manifest records " + f.path("size").asLong());
          }
          String sha = AtomicFiles.sha256(file);
          HASHED_BYTES.addAndGet(size);
          if (!sha.equals(f.path("sha256").asText())) {
            throw corrupt(dir, m, name + " has sha256 " + sha + ", the manifest records " + f.path("sha256").asText());
          }
        }
        VERIFIED.add(key.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot verify checkpoint " + dir + " against its " + MANIFEST + ": " + e.getMessage(), e);
    }
  }

  /** Bytes hashed by {@link #verify} in this JVM (a second load of the same checkpoint adds none). */
  public static long hashedBytes() {
    return HASHED_BYTES.get();
  }

  private static IllegalStateException corrupt(Path dir, JsonNode manifest, String what) {
    int iteration = manifest.path("iteration").asInt(-1);
    Path runDir = dir.toAbsolutePath().getParent() == null ? null : dir.toAbsolutePath().getParent().getParent();
    String recompute = iteration > 0 && runDir != null
        ? " or recompute it from an earlier intact iteration: spro resume " + runDir + " --from-iteration K (K < " + iteration + ")"
        : "";
    return new IllegalStateException("checkpoint " + dir + " is corrupt: " + what + ". The file changed after it was "
        + "committed; nothing was trained on it. Restore it from a backup," + recompute);
  }
}
