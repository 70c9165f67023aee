package dev.spro.models.checkpoint;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.nn.Transformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A model directory in Hugging Face layout: {@code config.json} and {@code model.safetensors}.
 * {@link #save} writes into a temporary sibling directory and renames it into place, so a reader
 * sees either no directory or a complete one, never a half-written checkpoint.
 */
public final class ModelCheckpoint {
  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "model.safetensors";

  private ModelCheckpoint() {}

  /** Loads {@code dir} as a model with parameters of {@code dtype}. */
  public static Transformer load(Path dir, NDManager manager, DataType dtype) {
    Path config = dir.resolve(CONFIG);
    Path weights = dir.resolve(WEIGHTS);
    if (!Files.isRegularFile(config) || !Files.isRegularFile(weights)) {
      throw new IllegalArgumentException("checkpoint " + dir + " needs " + CONFIG + " and " + WEIGHTS);
    }
    ModelConfig c = ModelConfig.read(config);
    try {
      return Transformer.fromTensors(c, SafeTensors.read(weights).tensors(), manager, dtype);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(weights + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code model} to {@code dir} atomically; {@code extraFiles} (name to writer) are
   * written into the same directory before it is committed (optimizer state, manifests).
   */
  public static void save(Transformer model, Path dir, Map<String, FileWriter> extraFiles) {
    Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
    try {
      deleteRecursively(tmp);
      Files.createDirectories(tmp);
      model.config().write(tmp.resolve(CONFIG));
      SafeTensors.write(tmp.resolve(WEIGHTS), model.toTensors(), Map.of("format", "pt"));
      for (Map.Entry<String, FileWriter> e : extraFiles.entrySet()) {
        e.getValue().write(tmp.resolve(e.getKey()));
      }
      deleteRecursively(dir);
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save checkpoint " + dir + ": " + e.getMessage(), e);
    }
  }

  public static void save(Transformer model, Path dir) {
    save(model, dir, Map.of());
  }

  /** Writes one file of a checkpoint. */
  @FunctionalInterface
  public interface FileWriter {
    void write(Path file) throws IOException;
  }

  /** Deletes {@code dir} and everything under it; nothing if it does not exist. */
  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
