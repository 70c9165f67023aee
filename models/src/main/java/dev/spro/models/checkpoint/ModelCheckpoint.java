package dev.spro.models.checkpoint;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.io.AtomicFiles;
import dev.spro.models.nn.Transformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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
    CheckpointIntegrity.verify(dir);
    ModelConfig c = ModelConfig.read(config);
    try {
      Map<String, SafeTensors.Tensor> tensors = SafeTensors.read(weights).tensors();
      requireFinite(tensors.values());
      return Transformer.fromTensors(c, tensors, manager, dtype);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(weights + ": " + e.getMessage(), e);
    }
  }

  /**
   * A weight that is NaN or infinite poisons every forward pass silently (NaN logits sample
   * token 0, NaN losses give NaN gradients), so a checkpoint with one is refused when it is
   * loaded, naming the tensor.
   */
  static void requireFinite(java.util.Collection<SafeTensors.Tensor> tensors) {
    for (SafeTensors.Tensor t : tensors) {
      long bad = 0;
      for (float v : t.values()) {
        if (!Float.isFinite(v)) {
          bad++;
        }
      }
      if (bad > 0) {
        throw new IllegalArgumentException("tensor " + t.name() + " has " + bad + " non-finite values (NaN or infinity): "
            + "the checkpoint is corrupt or training diverged; restore the file, or resume from an earlier iteration");
      }
    }
  }

  /**
   * Writes {@code model} to {@code dir} atomically; {@code extraFiles} (name to writer) are
   * written into the same directory before it is committed (optimizer state, manifests).
   */
  public static void save(Transformer model, Path dir, Map<String, FileWriter> extraFiles) {
    try {
      AtomicFiles.writeDirectory(dir, tmp -> {
        model.config().write(tmp.resolve(CONFIG));
        SafeTensors.write(tmp.resolve(WEIGHTS), model.toTensors(), Map.of("format", "pt"));
        for (Map.Entry<String, FileWriter> e : extraFiles.entrySet()) {
          e.getValue().write(tmp.resolve(e.getKey()));
        }
      });
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
}
