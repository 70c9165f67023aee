package dev.spro.models.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.spro.models.engine.EngineArrays;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spro.models.nn.TinyModels;
import dev.spro.models.nn.Transformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints as Hugging Face saves large models: shards named by {@code
 * model.safetensors.index.json}; and tensors over 2 GiB (a 7B model's embeddings in fp32).
 */
class ShardedCheckpointTest {
  @TempDir Path tmp;

  @Test
  void aShardedCheckpointLoadsAsTheSingleFileOne() throws Exception {
    try (NDManager m = Engine.getInstance().newBaseManager()) {
      Path single = tmp.resolve("single");
      try (Transformer t = Transformer.initialize(TinyModels.qwen2(), 7, m, DataType.FLOAT32)) {
        ModelCheckpoint.save(t, single);
      }
      Path sharded = Files.createDirectories(tmp.resolve("sharded"));
      Files.copy(single.resolve(ModelCheckpoint.CONFIG), sharded.resolve(ModelCheckpoint.CONFIG));
      List<SafeTensors.Tensor> all = new ArrayList<>(SafeTensors.read(single.resolve(ModelCheckpoint.WEIGHTS)).tensors().values());
      ObjectNode index = new ObjectMapper().createObjectNode();
      index.putObject("metadata").put("total_size", Files.size(single.resolve(ModelCheckpoint.WEIGHTS)));
      ObjectNode map = index.putObject("weight_map");
      int half = all.size() / 2;
      String[] names = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
      SafeTensors.write(sharded.resolve(names[0]), all.subList(0, half), Map.of("format", "pt"));
      SafeTensors.write(sharded.resolve(names[1]), all.subList(half, all.size()), Map.of("format", "pt"));
      for (int i = 0; i < all.size(); i++) {
        map.put(all.get(i).name(), names[i < half ? 0 : 1]);
      }
      Files.writeString(sharded.resolve(ModelCheckpoint.INDEX), index.toPrettyString());

      assertEquals(List.of(sharded.resolve(names[0]), sharded.resolve(names[1])), ModelCheckpoint.weightFiles(sharded));
      try (Transformer a = ModelCheckpoint.load(single, m, DataType.FLOAT32);
          Transformer b = ModelCheckpoint.load(sharded, m, DataType.FLOAT32)) {
        assertEquals(a.parameters().keySet(), b.parameters().keySet());
        a.parameters().forEach((n, p) -> assertArrayEquals(p.toFloatArray(), b.parameters().get(n).toFloatArray(), n));
      }

      Files.delete(sharded.resolve(names[1]));
      IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
          () -> ModelCheckpoint.load(sharded, m, DataType.FLOAT32));
      assertTrue(missing.getMessage().contains("names shard '" + names[1] + "', which is not a file of"), missing.getMessage());
      map.put(all.get(0).name(), "../single/model.safetensors");
      Files.writeString(sharded.resolve(ModelCheckpoint.INDEX), index.toPrettyString());
      IllegalArgumentException outside = assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.weightFiles(sharded));
      assertTrue(outside.getMessage().contains("'../single/model.safetensors', which is not a file of"), outside.getMessage());
    }
  }

  /**
   * 2.2 GB of fp32 in one tensor (a 7B model's embeddings): written and read in windows, and put
   * on the engine in pieces (one direct buffer cannot hold 2 GiB).
   */
  @Test
  @Tag("slow")
  void aTensorOverTwoGibibytesRoundTrips() {
    int n = 560_000_000;
    float[] values = new float[n];
    for (int i = 0; i < n; i += 4099) {
      values[i] = i * 0.5f;
    }
    values[n - 1] = -3.25f;
    Path file = tmp.resolve("big.safetensors");
    SafeTensors.write(file, List.of(new SafeTensors.Tensor("big", SafeTensors.DType.F32, new long[] {n}, values)), Map.of());
    values = null; // the read below needs the heap
    float[] read = SafeTensors.read(file).tensors().get("big").values();
    assertEquals(n, read.length);
    assertEquals(-3.25f, read[n - 1]);
    assertEquals(4099 * 130_000 * 0.5f, read[4099 * 130_000]);
    assertEquals(0f, read[4099 * 130_000 + 1]);
    try (NDManager m = Engine.getInstance().newBaseManager();
        NDArray onEngine = EngineArrays.create(m, read, new Shape(20, n / 20))) {
      assertEquals(new Shape(20, n / 20), onEngine.getShape());
      assertEquals(-3.25f, onEngine.getFloat(19, n / 20 - 1));
      assertEquals(4099 * 130_000 * 0.5f, onEngine.getFloat((4099 * 130_000) / (n / 20), (4099 * 130_000) % (n / 20)));
    }
  }
}
