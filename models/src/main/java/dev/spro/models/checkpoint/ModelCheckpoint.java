package dev.spro.models.checkpoint;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.models.config.GenerationConfig;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.io.AtomicFiles;
import dev.spro.models.nn.Transformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A model directory in Hugging Face layout: {@code config.json} and {@code model.safetensors}.
 * {@link #save} writes into a temporary sibling directory and renames it into place, so a reader
 * sees either no directory or a complete one, never a half-written checkpoint.
 */
public final class ModelCheckpoint {
  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "model.safetensors";
  /** The index of a sharded checkpoint: {@code weight_map} from tensor name to shard file. */
  public static final String INDEX = "model.safetensors.index.json";

  private ModelCheckpoint() {}

  /** Loads {@code dir} as a model with parameters of {@code dtype}. */
  public static Transformer load(Path dir, NDManager manager, DataType dtype) {
    Path config = dir.resolve(CONFIG);
    if (!Files.isRegularFile(config)) {
      throw new IllegalArgumentException("checkpoint " + dir + " needs " + CONFIG + " and " + WEIGHTS + " (or " + INDEX + ")");
    }
    List<Path> files = weightFiles(dir);
    CheckpointIntegrity.verify(dir);
    ModelConfig c = ModelConfig.read(config);
    // tensor by tensor: the heap holds one tensor while loading, never the model
    List<SafeTensorsReader> readers = new ArrayList<>();
    try {
      Map<String, SafeTensors.Entry> entries = new LinkedHashMap<>();
      Map<String, SafeTensorsReader> source = new LinkedHashMap<>();
      for (Path weights : files) {
        SafeTensorsReader r = open(weights);
        readers.add(r);
        r.entries().forEach((n, e) -> {
          entries.put(n, e);
          source.put(n, r);
        });
      }
      return Transformer.fromTensors(c, entries, name -> {
        SafeTensorsReader r = source.get(name);
        SafeTensors.Tensor t = r.tensor(name);
        try {
          requireFinite(t);
        } catch (IllegalArgumentException e) {
          throw new BadTensor(r.file() + ": " + e.getMessage(), e);
        }
        return t;
      }, manager, dtype);
    } catch (BadTensor e) {
      throw e;
    } catch (IllegalArgumentException e) {
      // the tensors do not fit the config: name the weights as a whole
      throw new IllegalArgumentException((files.size() == 1 ? files.get(0) : dir.resolve(INDEX)) + ": " + e.getMessage(), e);
    } finally {
      readers.forEach(SafeTensorsReader::close);
    }
  }

  /** A tensor's values are unusable; the message names its file. */
  private static final class BadTensor extends IllegalArgumentException {
    BadTensor(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static SafeTensorsReader open(Path weights) {
    try {
      return SafeTensorsReader.open(weights);
    } catch (IllegalArgumentException e) {
      throw new BadTensor(weights + ": " + e.getMessage(), e);
    }
  }

  /**
   * The weight files of checkpoint {@code dir}: {@code model.safetensors}, or the shards that
   * {@code model.safetensors.index.json} maps the tensors to (how Hugging Face saves models over
   * its shard size, e.g. every 7B checkpoint), in name order; each must exist.
   */
  public static List<Path> weightFiles(Path dir) {
    Path single = dir.resolve(WEIGHTS);
    if (Files.isRegularFile(single)) {
      return List.of(single);
    }
    Path index = dir.resolve(INDEX);
    if (!Files.isRegularFile(index)) {
      throw new IllegalArgumentException("checkpoint " + dir + " needs " + WEIGHTS + " or " + INDEX);
    }
    JsonNode map;
    try {
      map = new ObjectMapper().readTree(index.toFile()).path("weight_map");
    } catch (IOException e) {
      throw new IllegalArgumentException(index + " is not valid JSON: " + e.getMessage(), e);
    }
    if (!map.isObject() || map.isEmpty()) {
      throw new IllegalArgumentException(index + " has no weight_map (tensor name to shard file)");
    }
    TreeSet<String> names = new TreeSet<>();
    map.fields().forEachRemaining(e -> names.add(e.getValue().asText()));
    List<Path> files = new ArrayList<>();
    for (String name : names) {
      Path f = dir.resolve(name).normalize();
      if (!f.startsWith(dir.normalize()) || !Files.isRegularFile(f)) {
        throw new IllegalArgumentException(index + " names shard '" + name + "', which is not a file of " + dir);
      }
      files.add(f);
    }
    return files;
  }

  /**
   * A weight that is NaN or infinite poisons every forward pass silently (NaN logits sample
   * token 0, NaN losses give NaN gradients), so a checkpoint with one is refused when it is
   * loaded, naming the tensor.
   */
  static void requireFinite(SafeTensors.Tensor t) {
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


  /**
   * Writes {@code model} to {@code dir} atomically; {@code extraFiles} (name to writer) are
   * written into the same directory before it is committed (optimizer state, manifests).
   */
  public static void save(Transformer model, Path dir, Map<String, FileWriter> extraFiles) {
    try {
      AtomicFiles.writeDirectory(dir, tmp -> {
        model.config().write(tmp.resolve(CONFIG), storedDtype(model).torchName());
        // a parameter at a time: the heap holds one tensor, never the model
        try (SafeTensorsWriter w = SafeTensorsWriter.create(tmp.resolve(WEIGHTS), model.tensorEntries(), Map.of("format", "pt"))) {
          for (SafeTensors.Entry e : model.tensorEntries()) {
            w.write(e.name(), model.values(e.name()));
          }
          w.commit();
        }
        for (Map.Entry<String, FileWriter> e : extraFiles.entrySet()) {
          e.getValue().write(tmp.resolve(e.getKey()));
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save checkpoint " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Copies {@code from}'s {@code generation_config.json} (its eos ids, its sampling defaults) into
   * directory {@code to}, if it has one: a checkpoint and its export end responses where the
   * user's model did.
   */
  public static void copyGenerationConfig(Path from, Path to) throws IOException {
    Path file = from.resolve(GenerationConfig.FILE);
    if (Files.isRegularFile(file)) {
      Files.copy(file, to.resolve(GenerationConfig.FILE));
    }
  }

  /**
   * The dtype a config.json names for {@code model}'s files: that of its embedding (a 16-bit
   * checkpoint may keep norms in fp32; the matrices say what the model is stored as).
   */
  static SafeTensors.DType storedDtype(Transformer model) {
    return model.tensorEntries().stream().filter(e -> e.name().equals("model.embed_tokens.weight")).findFirst()
        .map(SafeTensors.Entry::dtype).orElse(SafeTensors.DType.F32);
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
