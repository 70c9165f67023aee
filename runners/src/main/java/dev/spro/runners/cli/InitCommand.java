package dev.spro.runners.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.config.ModelShapes;
import dev.spro.models.engine.DjlRuntime;
import dev.spro.models.io.AtomicFiles;
import dev.spro.models.nn.Transformer;
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
 * {@code spro init}: a randomly initialised model of a real shape, written as a Hugging Face
 * directory ({@code config.json}, {@code model.safetensors}) — what a benchmark at real size or a
 * smoke test of a user's setup starts from, without downloading weights.
 */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = {"Writes a randomly initialised model of a known shape as a Hugging Face directory.",
        "Shapes: qwen2.5-0.5b, qwen2.5-1.5b, qwen2.5-3b, qwen2.5-7b, llama-3.2-1b, qwen3-0.6b; the options below override them."})
public final class InitCommand implements Callable<Integer> {
  @Option(names = "--shape", paramLabel = "NAME", required = true, description = "The model's shape (see above).")
  String shape;

  @Option(names = "--out", paramLabel = "DIR", required = true, description = "Directory to write (must not exist).")
  Path out;

  @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "bfloat16",
      description = "Stored dtype: bfloat16 (default, as Hugging Face checkpoints ship), float16 or float32.")
  String dtype;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Initialisation seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--layers", paramLabel = "N", description = "Override the number of layers.")
  Integer layers;

  @Option(names = "--hidden", paramLabel = "N", description = "Override the hidden size.")
  Integer hidden;

  @Option(names = "--intermediate", paramLabel = "N", description = "Override the MLP's intermediate size.")
  Integer intermediate;

  @Option(names = "--heads", paramLabel = "N", description = "Override the attention heads.")
  Integer heads;

  @Option(names = "--kv-heads", paramLabel = "N", description = "Override the key/value heads.")
  Integer kvHeads;

  @Option(names = "--vocab", paramLabel = "N", description = "Override the vocabulary size.")
  Integer vocab;

  @Override
  public Integer call() throws Exception {
    SafeTensors.DType stored = SafeTensors.DType.ofTorchName(dtype);
    if (Files.exists(out)) {
      throw new IllegalArgumentException(out + " exists; choose a new directory");
    }
    ModelConfig.Builder b = ModelShapes.of(shape);
    if (layers != null) {
      b.layers(layers);
    }
    if (hidden != null) {
      b.hiddenSize(hidden);
    }
    if (intermediate != null) {
      b.intermediateSize(intermediate);
    }
    if (heads != null) {
      b.heads(heads);
    }
    if (kvHeads != null) {
      b.kvHeads(kvHeads);
    }
    if (vocab != null) {
      b.vocabSize(vocab);
    }
    ModelConfig config = b.build();
    String torchDtype = stored.torchName();
    System.out.printf(Locale.ROOT, "%s: %,d parameters, %s -> %s%n", shape, config.parameterCount(), torchDtype, out);
    DjlRuntime.init(DjlRuntime.settings());
    try (NDManager manager = Engine.getInstance().newBaseManager();
        Transformer model = Transformer.initialize(config, seed, manager, DataType.FLOAT32)) {
      List<SafeTensors.Tensor> tensors = new ArrayList<>();
      for (SafeTensors.Tensor t : model.toTensors()) {
        tensors.add(new SafeTensors.Tensor(t.name(), stored, t.shape(), t.values()));
      }
      AtomicFiles.writeDirectory(out, tmp -> {
        config.write(tmp.resolve("config.json"), torchDtype);
        SafeTensors.write(tmp.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
      });
    }
    System.out.printf(Locale.ROOT, "wrote %s (%,d bytes of weights)%n", out, Files.size(out.resolve("model.safetensors")));
    return 0;
  }
}
