package dev.spro.runners.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.checkpoint.OptimizerFiles;
import dev.spro.models.checkpoint.SafeTensors;
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
 * the way out.
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

  @Override
  public Integer call() throws Exception {
    SafeTensors.DType asked = dtype == null ? null : SafeTensors.DType.ofTorchName(dtype);
    if (Files.exists(out)) {
      throw new IllegalArgumentException(out + " exists; choose a new directory");
    }
    CheckpointIntegrity.verify(checkpoint);
    Path weights = checkpoint.resolve(ModelCheckpoint.WEIGHTS);
    Map<String, SafeTensors.Tensor> stored = SafeTensors.read(weights).tensors();
    Map<String, float[]> master = OptimizerFiles.masters(checkpoint, name -> true);
    List<SafeTensors.Tensor> tensors = new ArrayList<>();
    for (SafeTensors.Tensor t : stored.values()) {
      float[] values = master.getOrDefault(t.name(), t.values());
      tensors.add(new SafeTensors.Tensor(t.name(), asked != null ? asked : t.dtype(), t.shape(), values));
    }
    ObjectNode config = (ObjectNode) new ObjectMapper().readTree(checkpoint.resolve(ModelCheckpoint.CONFIG).toFile());
    config.put("torch_dtype", (tensors.isEmpty() ? SafeTensors.DType.F32 : tensors.get(0).dtype()).torchName());
    AtomicFiles.writeDirectory(out, tmp -> {
      Files.writeString(tmp.resolve(ModelCheckpoint.CONFIG), config.toPrettyString() + "\n");
      SafeTensors.write(tmp.resolve(ModelCheckpoint.WEIGHTS), tensors, Map.of("format", "pt"));
    });
    System.out.printf(Locale.ROOT, "wrote %s: %d tensors as %s (%d from the fp32 master)%n", out, tensors.size(),
        config.get("torch_dtype").asText(), tensors.stream().filter(t -> master.containsKey(t.name())).count());
    return 0;
  }
}
