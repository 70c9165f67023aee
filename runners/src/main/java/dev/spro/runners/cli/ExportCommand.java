package dev.spro.runners.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spro export}: a run's checkpoint as a plain Hugging Face model directory in the dtype the
 * user wants. The weights come from the fp32 master copy where the checkpoint keeps one (16-bit
 * checkpoints: the master holds the updates below bf16's rounding step) and are rounded once, on
 * the way out.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Writes a checkpoint as a Hugging Face model directory (config.json, model.safetensors) in a chosen dtype.",
        "Weights come from the fp32 master copy kept with the optimizer state where there is one."})
public final class ExportCommand implements Callable<Integer> {
  private static final String MASTER = "master.";

  @Option(names = "--checkpoint", paramLabel = "DIR", required = true, description = "A run's checkpoint (runs/NAME/iter-K/checkpoint).")
  Path checkpoint;

  @Option(names = "--out", paramLabel = "DIR", required = true, description = "Directory to write (must not exist).")
  Path out;

  @Option(names = "--dtype", paramLabel = "TYPE",
      description = "bfloat16, float16 or float32 (default: the dtype the checkpoint stores).")
  String dtype;

  @Override
  public Integer call() throws Exception {
    if (Files.exists(out)) {
      throw new IllegalArgumentException(out + " exists; choose a new directory");
    }
    CheckpointIntegrity.verify(checkpoint);
    Path weights = checkpoint.resolve(ModelCheckpoint.WEIGHTS);
    Map<String, SafeTensors.Tensor> stored = SafeTensors.read(weights).tensors();
    Map<String, float[]> master = new HashMap<>();
    try (Stream<Path> files = Files.list(checkpoint)) {
      for (Path f : files.filter(p -> p.getFileName().toString().matches("optimizer-\\d+-of-\\d+\\.safetensors")).toList()) {
        SafeTensors.read(f, n -> n.startsWith(MASTER)).tensors()
            .forEach((n, t) -> master.put(n.substring(MASTER.length()), t.values()));
      }
    }
    List<SafeTensors.Tensor> tensors = new ArrayList<>();
    SafeTensors.DType target = null;
    for (SafeTensors.Tensor t : stored.values()) {
      SafeTensors.DType d = dtype == null ? t.dtype() : dtype(dtype);
      target = target == null ? d : target;
      float[] values = master.getOrDefault(t.name(), t.values());
      tensors.add(new SafeTensors.Tensor(t.name(), d, t.shape(), values));
    }
    ObjectNode config = (ObjectNode) new ObjectMapper().readTree(checkpoint.resolve(ModelCheckpoint.CONFIG).toFile());
    config.put("torch_dtype", torchName(target == null ? SafeTensors.DType.F32 : target));
    AtomicFiles.writeDirectory(out, tmp -> {
      Files.writeString(tmp.resolve(ModelCheckpoint.CONFIG), config.toPrettyString() + "\n");
      SafeTensors.write(tmp.resolve(ModelCheckpoint.WEIGHTS), tensors, Map.of("format", "pt"));
    });
    System.out.printf(Locale.ROOT, "wrote %s: %d tensors as %s (%d from the fp32 master)%n", out, tensors.size(),
        config.get("torch_dtype").asText(), tensors.stream().filter(t -> master.containsKey(t.name())).count());
    return 0;
  }

  static SafeTensors.DType dtype(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "bfloat16", "bf16" -> SafeTensors.DType.BF16;
      case "float16", "fp16" -> SafeTensors.DType.F16;
      case "float32", "fp32" -> SafeTensors.DType.F32;
      default -> throw new IllegalArgumentException("--dtype " + name + ": one of bfloat16, float16, float32");
    };
  }

  static String torchName(SafeTensors.DType d) {
    return switch (d) {
      case BF16 -> "bfloat16";
      case F16 -> "float16";
      case F32 -> "float32";
    };
  }
}
