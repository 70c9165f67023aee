package dev.spro.runners.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.checkpoint.OptimizerFiles;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.checkpoint.SafeTensorsReader;
import dev.spro.models.checkpoint.SafeTensorsWriter;
import dev.spro.models.checkpoint.TensorDirectory;
import dev.spro.models.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spro export}: a run's checkpoint as a plain Hugging Face model directory in the dtype the
 * user wants. The weights come from the fp32 master copy where the checkpoint keeps one (16-bit
 * checkpoints: the master holds the updates below bf16's rounding step) and are rounded once, on
 * the way out. Over {@code --max-shard-size} the weights are split as {@code save_pretrained}
 * splits them ({@code model-00001-of-0000N.safetensors} and {@code model.safetensors.index.json});
 * tensors are copied a chunk at a time, so a 7B model exports in the memory of one chunk.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Writes a checkpoint as a Hugging Face model directory (config.json, model.safetensors) in a chosen dtype.",
        "Weights come from the fp32 master copy kept with the optimizer state where there is one."})
public final class ExportCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", paramLabel = "DIR", required = true, description = "A run's checkpoint (runs/NAME/iter-K/checkpoint).")
  Path checkpoint;

  @Option(names = "--out", paramLabel = "DIR", required = true, description = "Directory to write (must not exist).")
  Path out;

  @Option(names = "--dtype", paramLabel = "TYPE",
      description = "bfloat16, float16 or float32 (default: the dtype the checkpoint stores).")
  String dtype;

  @Option(names = "--tokenizer", paramLabel = "PATH",
      description = "The tokenizer to ship with the model: a tokenizer.json or its directory (default: model.tokenizer of the run the checkpoint belongs to).")
  Path tokenizer;

  @Option(names = "--max-shard-size", paramLabel = "SIZE", defaultValue = "5GB",
      description = "Largest weight file, as save_pretrained's max_shard_size: 5GB, 500MB, 2GiB, or bytes (default ${DEFAULT-VALUE}).")
  String maxShardSize;

  @Override
  public Integer call() throws Exception {
    SafeTensors.DType asked = dtype == null ? null : SafeTensors.DType.ofTorchName(dtype);
    long shardBytes = bytes(maxShardSize);
    if (Files.exists(out)) {
      throw new IllegalArgumentException(out + " exists; choose a new directory");
    }
    CheckpointIntegrity.verify(checkpoint);
    List<Path> tokenizerFiles = TokenizerFiles.of(tokenizer != null ? tokenizer : TokenizerFiles.ofRun(checkpoint));
    try (TensorDirectory stored = TensorDirectory.open(ModelCheckpoint.weightFiles(checkpoint));
        TensorDirectory optimizer = TensorDirectory.open(OptimizerFiles.of(checkpoint))) {
      // the tensors in file order, each in the dtype asked for, cut into shards in that order
      List<List<SafeTensors.Entry>> shards = new ArrayList<>();
      long inShard = 0;
      int fromMaster = 0;
      for (SafeTensorsReader f : stored.files()) {
        for (SafeTensors.Entry e : f.entries().values()) {
          SafeTensors.Entry written = new SafeTensors.Entry(e.name(), asked != null ? asked : e.dtype(), e.shape());
          long bytes = written.elementCount() * written.dtype().elementBytes();
          if (shards.isEmpty() || (inShard > 0 && inShard + bytes > shardBytes)) {
            shards.add(new ArrayList<>());
            inShard = 0;
          }
          shards.get(shards.size() - 1).add(written);
          inShard += bytes;
          fromMaster += optimizer.has(OptimizerFiles.MASTER + e.name()) ? 1 : 0;
        }
      }
      String torchDtype = shards.isEmpty() ? SafeTensors.DType.F32.torchName() : shards.get(0).get(0).dtype().torchName();
      ObjectNode config = (ObjectNode) JSON.readTree(checkpoint.resolve(ModelCheckpoint.CONFIG).toFile());
      config.put("torch_dtype", torchDtype);
      AtomicFiles.writeDirectory(out, tmp -> {
        Files.writeString(tmp.resolve(ModelCheckpoint.CONFIG), config.toPrettyString() + "\n");
        ModelCheckpoint.copyGenerationConfig(checkpoint, tmp);
        for (Path f : tokenizerFiles) {
          Files.copy(f, tmp.resolve(f.getFileName().toString()));
        }
        ObjectNode index = JSON.createObjectNode();
        ObjectNode weightMap = JSON.createObjectNode();
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
          String name = shards.size() == 1 ? ModelCheckpoint.WEIGHTS
              : String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
          try (SafeTensorsWriter w = SafeTensorsWriter.create(tmp.resolve(name), shards.get(i), Map.of("format", "pt"))) {
            for (SafeTensors.Entry e : shards.get(i)) {
              if (optimizer.has(OptimizerFiles.MASTER + e.name())) {
                optimizer.copy(OptimizerFiles.MASTER + e.name(), w, e.name());
              } else {
                stored.copy(e.name(), w);
              }
              weightMap.put(e.name(), name);
              total += e.elementCount() * e.dtype().elementBytes();
            }
            w.commit();
          }
        }
        if (shards.size() > 1) {
          index.putObject("metadata").put("total_size", total);
          index.set("weight_map", weightMap);
          Files.writeString(tmp.resolve(ModelCheckpoint.INDEX), index.toPrettyString() + "\n");
        }
      });
      long tensors = shards.stream().mapToLong(List::size).sum();
      System.out.printf(Locale.ROOT, "wrote %s: %d tensors as %s in %d file%s (%d from the fp32 master), %s%n", out,
          tensors, torchDtype, shards.size(), shards.size() == 1 ? "" : "s", fromMaster, tokenizerFiles.isEmpty()
              ? "no tokenizer files (the built-in char tokenizer has none; --tokenizer PATH adds a Hugging Face one)"
              : "tokenizer files " + tokenizerFiles.stream().map(f -> f.getFileName().toString()).toList());
    }
    return 0;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A size as save_pretrained writes it: "5GB" (10^9), "2GiB" (2^30), "500MB", "100KB", or bytes. */
  static long bytes(String size) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)\\s*(\\d+)\\s*(B|KB|MB|GB|KIB|MIB|GIB)?\\s*").matcher(size);
    if (!m.matches()) {
      throw new IllegalArgumentException("--max-shard-size '" + size + "' is not a size like 5GB, 500MB, 2GiB or a byte count");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    long scale = switch (unit) {
      case "KB" -> 1_000L;
      case "MB" -> 1_000_000L;
      case "GB" -> 1_000_000_000L;
      case "KIB" -> 1L << 10;
      case "MIB" -> 1L << 20;
      case "GIB" -> 1L << 30;
      default -> 1L;
    };
    if (n <= 0) {
      throw new IllegalArgumentException("--max-shard-size must be positive, got '" + size + "'");
    }
    return Math.multiplyExact(n, scale);
  }
}
