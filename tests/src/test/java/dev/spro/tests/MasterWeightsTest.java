package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.checkpoint.OptimizerFiles;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.runners.SproCli;
import dev.spro.transforms.stages.RunLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bf16 checkpoint trained at a learning rate of 1e-6: every update is below bf16's rounding
 * step, so weights saved back in bf16 alone would never move. The run keeps fp32 master weights
 * with the optimizer state: they move every iteration, and each iteration continues from them,
 * not from the rounded weights. No gradient travels through Beam: the step's scratch files are
 * gone after the commit.
 */
class MasterWeightsTest {
  @TempDir Path tmp;

  @Test
  void updatesBelowBf16RoundingAreKeptInTheFp32Master() throws Exception {
    RunConfig first = Runs.tiny();
    first.run.iterations = 1;
    Path seedRun = tmp.resolve("seed");
    Runs.train(first, seedRun);
    // the tiny model's initial weights, stored in bf16 as a user's Hugging Face checkpoint would be
    Path bf16 = Files.createDirectories(tmp.resolve("bf16-model"));
    Path init = RunLayout.checkpoint(seedRun, 0);
    Files.copy(init.resolve(ModelCheckpoint.CONFIG), bf16.resolve(ModelCheckpoint.CONFIG));
    List<SafeTensors.Tensor> narrowed = new ArrayList<>();
    for (SafeTensors.Tensor t : SafeTensors.read(init.resolve(ModelCheckpoint.WEIGHTS)).tensors().values()) {
      narrowed.add(new SafeTensors.Tensor(t.name(), SafeTensors.DType.BF16, t.shape(), t.values()));
    }
    SafeTensors.write(bf16.resolve(ModelCheckpoint.WEIGHTS), narrowed, Map.of("format", "pt"));
    // and a generation_config.json, which every checkpoint and the export carry along
    int eos = dev.spro.models.config.ModelConfig.read(bf16.resolve(ModelCheckpoint.CONFIG)).eosTokenId();
    Files.writeString(bf16.resolve("generation_config.json"), "{\"eos_token_id\": [" + eos + "], \"temperature\": 0.7}\n");

    RunConfig c = Runs.tiny();
    c.run.iterations = 3;
    c.model.checkpoint = bf16.toString();
    c.optimizer.lr = 1e-6;
    // a random model answers nothing right, so its advantages are 0: the entropy bonus gives
    // every iteration a gradient
    c.loss.entropyCoef = 0.01;
    Path run = tmp.resolve("run");
    Runs.train(c, run);

    Map<String, float[]> w0 = weights(RunLayout.checkpoint(run, 0));
    Map<String, float[]> m1 = masters(RunLayout.checkpoint(run, 1));
    Map<String, float[]> m3 = masters(RunLayout.checkpoint(run, 3));
    assertEquals(w0.keySet(), m3.keySet(), "every bf16 parameter has an fp32 master");
    double moved1 = distance(w0, m1);
    double moved3 = distance(w0, m3);
    assertTrue(moved1 > 0, "the master moved in iteration 0");
    assertTrue(moved3 > moved1, "later iterations continue from the master: " + moved1 + " then " + moved3);
    assertTrue(distance(w0, weights(RunLayout.checkpoint(run, 1))) < moved1,
        "most of iteration 0's update is below bf16's rounding step: only the master keeps it");
    String name = w0.keySet().iterator().next();
    assertEquals(SafeTensors.DType.BF16, SafeTensors.header(RunLayout.checkpoint(run, 3).resolve(ModelCheckpoint.WEIGHTS))
        .entries().get(name).dtype(), "the weights are written in the user's dtype");
    for (int k = 0; k < 3; k++) {
      assertFalse(Files.exists(RunLayout.iteration(run, k).resolve(RunLayout.GRADIENT_SCRATCH)), "scratch removed at commit");
    }

    // export: in the stored dtype by default, or in fp32 — then exactly the master
    Path bf16Export = tmp.resolve("export-bf16");
    Path fp32Export = tmp.resolve("export-fp32");
    assertEquals(0, SproCli.commandLine().execute("export", "--checkpoint", RunLayout.checkpoint(run, 3).toString(),
        "--out", bf16Export.toString()));
    assertEquals(0, SproCli.commandLine().execute("export", "--checkpoint", RunLayout.checkpoint(run, 3).toString(),
        "--dtype", "float32", "--out", fp32Export.toString()));
    assertTrue(SafeTensors.header(bf16Export.resolve(ModelCheckpoint.WEIGHTS)).entries().values().stream()
        .allMatch(e -> e.dtype() == SafeTensors.DType.BF16));
    assertTrue(Files.readString(bf16Export.resolve(ModelCheckpoint.CONFIG)).contains("\"torch_dtype\" : \"bfloat16\""));
    assertTrue(Files.readString(fp32Export.resolve(ModelCheckpoint.CONFIG)).contains("\"torch_dtype\" : \"float32\""));
    for (Path dir : List.of(RunLayout.checkpoint(run, 0), RunLayout.checkpoint(run, 3), bf16Export)) {
      assertArrayEquals(Files.readAllBytes(bf16.resolve("generation_config.json")),
          Files.readAllBytes(dir.resolve("generation_config.json")), dir.toString());
    }
    Map<String, float[]> exported = weights(fp32Export);
    m3.forEach((n, v) -> assertArrayEquals(v, exported.get(n), "the fp32 export is the master: " + n));
    // over --max-shard-size, shards and an index as save_pretrained writes them, holding the same tensors
    Path sharded = tmp.resolve("export-sharded");
    assertEquals(0, SproCli.commandLine().execute("export", "--checkpoint", RunLayout.checkpoint(run, 3).toString(),
        "--dtype", "float32", "--max-shard-size", "40KB", "--out", sharded.toString()));
    List<Path> shards = ModelCheckpoint.weightFiles(sharded);
    assertTrue(shards.size() > 2, "shards: " + shards);
    assertTrue(shards.get(0).getFileName().toString().matches("model-00001-of-0000\\d\\.safetensors"), shards.toString());
    Map<String, float[]> fromShards = new HashMap<>();
    for (Path f : shards) {
      assertTrue(Files.size(f) < 40_000 + 4096 || SafeTensors.header(f).entries().size() == 1, f + " is over the shard size");
      SafeTensors.read(f).tensors().forEach((n, t) -> fromShards.put(n, t.values()));
    }
    assertEquals(exported.keySet(), fromShards.keySet());
    exported.forEach((n, v) -> assertArrayEquals(v, fromShards.get(n), "sharded export: " + n));

    // the same run again gives the same bytes
    Path again = tmp.resolve("again");
    Runs.train(c, again);
    assertArrayEquals(Runs.checkpointBytes(run, 3).get(0), Runs.checkpointBytes(again, 3).get(0));
    assertArrayEquals(Runs.checkpointBytes(run, 3).get(1), Runs.checkpointBytes(again, 3).get(1));
  }

  static Map<String, float[]> weights(Path checkpoint) {
    Map<String, float[]> out = new HashMap<>();
    SafeTensors.read(checkpoint.resolve(ModelCheckpoint.WEIGHTS)).tensors().forEach((n, t) -> out.put(n, t.values()));
    return out;
  }

  /** The fp32 master weights the checkpoint keeps with its optimizer state ({@code master.NAME}). */
  static Map<String, float[]> masters(Path checkpoint) {
    Map<String, float[]> out = new HashMap<>();
    for (Path f : OptimizerFiles.of(checkpoint)) {
      SafeTensors.read(f, n -> n.startsWith(OptimizerFiles.MASTER)).tensors()
          .forEach((n, t) -> out.put(n.substring(OptimizerFiles.MASTER.length()), t.values()));
    }
    return out;
  }

  static double distance(Map<String, float[]> a, Map<String, float[]> b) {
    double sum = 0;
    for (Map.Entry<String, float[]> e : a.entrySet()) {
      float[] x = e.getValue();
      float[] y = b.get(e.getKey());
      for (int i = 0; i < x.length; i++) {
        sum += (x[i] - y[i]) * (double) (x[i] - y[i]);
      }
    }
    return Math.sqrt(sum);
  }
}
