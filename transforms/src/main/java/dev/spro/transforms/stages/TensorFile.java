package dev.spro.transforms.stages;

import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.checkpoint.SafeTensorsReader;
import dev.spro.models.checkpoint.SafeTensorsWriter;
import dev.spro.models.io.AtomicFiles;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/**
 * A claim check for tensors: what travels in a Beam element is this file's path and sha256, never
 * the tensors. The file (safetensors) is written atomically into the run directory, and every
 * read checks it against the hash first.
 */
public record TensorFile(String path, String sha256, long bytes) implements Serializable {

  /**
   * A writer of {@code entries} into {@code file} (its directory created); {@link #commit} it to
   * get the claim.
   */
  public static SafeTensorsWriter create(Path file, Collection<SafeTensors.Entry> entries, Map<String, String> metadata) {
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
    return SafeTensorsWriter.create(file, entries, metadata);
  }

  /** Commits {@code writer}'s file and returns its claim. */
  public static TensorFile commit(SafeTensorsWriter writer) {
    writer.commit();
    return of(writer.file());
  }

  private static TensorFile of(Path file) {
    try {
      return new TensorFile(file.toString(), AtomicFiles.sha256(file), Files.size(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The file open for reading a tensor or a range at a time, after checking it against its hash. */
  public SafeTensorsReader open() {
    verify();
    return SafeTensorsReader.open(Path.of(path));
  }

  private void verify() {
    Path file = Path.of(path);
    try {
      String actual = AtomicFiles.sha256(file);
      if (!actual.equals(sha256)) {
        throw new IllegalStateException(file + " has sha256 " + actual + " but was handed over as " + sha256
            + ": it changed between the stage that wrote it and this one (another writer in the run directory?)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
