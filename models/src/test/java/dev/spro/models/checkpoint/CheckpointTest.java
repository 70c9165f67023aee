package dev.spro.models.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.EngineTestBase;
import dev.spro.models.nn.Layout;
import dev.spro.models.nn.TinyModels;
import dev.spro.models.nn.Transformer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CheckpointTest extends EngineTestBase {
  @TempDir Path dir;

  static float[] logits(Transformer model, NDManager m) {
    Layout l = Layout.of(List.of(new int[] {3, 4, 5, 6}, new int[] {7, 8}), null, 0);
    try (NDManager s = m.newSubManager()) {
      return model.logits(model.hiddenStates(s, l.tokens(), l.positions(), l.valid(), null)).toFloatArray();
    }
  }

  @Test
  void saveLoadSaveIsByteIdenticalAndLogitsBitIdentical() throws IOException {
    try (Transformer model = Transformer.initialize(TinyModels.qwen2(), 3, manager, DataType.FLOAT32)) {
      ModelCheckpoint.save(model, dir.resolve("a"));
      try (Transformer loaded = ModelCheckpoint.load(dir.resolve("a"), manager, DataType.FLOAT32)) {
        assertArrayEquals(logits(model, manager), logits(loaded, manager));
        ModelCheckpoint.save(loaded, dir.resolve("b"));
      }
      assertArrayEquals(Files.readAllBytes(dir.resolve("a/model.safetensors")), Files.readAllBytes(dir.resolve("b/model.safetensors")));
      assertArrayEquals(Files.readAllBytes(dir.resolve("a/config.json")), Files.readAllBytes(dir.resolve("b/config.json")));
      assertFalse(Files.exists(dir.resolve("a.tmp")), "temporary directory left behind");
    }
  }

  /**
   * A checkpoint as Hugging Face writes it: real parameter names and shapes of Qwen2 / Llama,
   * weights in bf16 (and fp32 norms), a config.json with the fields those files carry, a rotary
   * inv_freq buffer, and a header in another order than ours. It loads, runs, and saves back to
   * the same tensor bytes.
   */
  @ParameterizedTest
  @ValueSource(strings = {"qwen2", "llama"})
  void huggingFaceLayoutLoadsAndRuns(String family) throws IOException {
    Path ckpt = dir.resolve(family);
    Files.createDirectories(ckpt);
    String config = family.equals("qwen2")
        ? """
          {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
           "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 32, "initializer_range": 0.02,
           "intermediate_size": 64, "max_position_embeddings": 32768, "max_window_layers": 21,
           "model_type": "qwen2", "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
           "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
           "torch_dtype": "bfloat16", "transformers_version": "4.43.1", "use_cache": true, "use_sliding_window": false,
           "vocab_size": 50}
          """
        : """
          {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 1, "eos_token_id": [2, 3],
           "hidden_act": "silu", "hidden_size": 32, "intermediate_size": 64, "max_position_embeddings": 2048,
           "model_type": "llama", "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 4,
           "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 10000.0,
           "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 50}
          """;
    Files.writeString(ckpt.resolve("config.json"), config);
    ModelConfig c = ModelConfig.read(ckpt.resolve("config.json"));
    assertEquals(family.equals("qwen2"), c.attentionBias());
    assertEquals(family.equals("qwen2") ? 151645 : 2, c.eosTokenId());
    SplittableRandom rnd = new SplittableRandom(4);
    List<SafeTensors.Tensor> tensors = new ArrayList<>();
    for (Map.Entry<String, long[]> e : Transformer.parameterShapes(c).entrySet()) {
      int n = (int) java.util.Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
      float[] v = new float[n];
      boolean norm = e.getKey().endsWith("norm.weight");
      for (int i = 0; i < n; i++) {
        v[i] = norm ? 1f : HalfFloats.bf16ToFloat(HalfFloats.floatToBf16((float) (rnd.nextGaussian() * 0.05)));
      }
      tensors.add(new SafeTensors.Tensor(e.getKey(), norm ? SafeTensors.DType.F32 : SafeTensors.DType.BF16, e.getValue(), v));
    }
    if (family.equals("llama")) {
      tensors.add(new SafeTensors.Tensor("model.layers.0.self_attn.rotary_emb.inv_freq", SafeTensors.DType.F32,
          new long[] {4}, new float[] {1, 0.1f, 0.01f, 0.001f}));
    }
    java.util.Collections.reverse(tensors);
    writeUnsorted(ckpt.resolve("model.safetensors"), tensors);
    try (Transformer model = ModelCheckpoint.load(ckpt, manager, DataType.FLOAT32)) {
      float[] out = logits(model, manager);
      assertEquals(2 * 4 * 50, out.length);
      for (float f : out) {
        assertTrue(Float.isFinite(f));
      }
      // Save and compare tensor bytes with the original (bf16 stays bf16).
      SafeTensors.write(dir.resolve("resaved.safetensors"), model.toTensors(), Map.of());
      var original = SafeTensors.read(ckpt.resolve("model.safetensors")).tensors();
      var resaved = SafeTensors.read(dir.resolve("resaved.safetensors")).tensors();
      for (var t : resaved.values()) {
        assertEquals(original.get(t.name()).dtype(), t.dtype(), t.name());
        assertArrayEquals(original.get(t.name()).values(), t.values(), t.name());
      }
    }
  }

  /** Writes a safetensors file with tensors in the given (not sorted) order, as other writers may. */
  static void writeUnsorted(Path file, List<SafeTensors.Tensor> tensors) throws IOException {
    StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
    long offset = 0;
    for (var t : tensors) {
      long bytes = t.elementCount() * (t.dtype() == SafeTensors.DType.F32 ? 4 : 2);
      header.append(",\"").append(t.name()).append("\":{\"dtype\":\"").append(t.dtype()).append("\",\"shape\":")
          .append(java.util.Arrays.toString(t.shape()).replace(" ", "")).append(",\"data_offsets\":[")
          .append(offset).append(',').append(offset + bytes).append("]}");
      offset += bytes;
    }
    header.append('}');
    byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate((int) (8 + h.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
    buf.putLong(h.length).put(h);
    for (var t : tensors) {
      for (float v : t.values()) {
        if (t.dtype() == SafeTensors.DType.F32) {
          buf.putFloat(v);
        } else {
          buf.putShort(HalfFloats.floatToBf16(v));
        }
      }
    }
    Files.write(file, buf.array());
  }

  @Test
  void halfFloatConversionsRoundTrip() {
    for (int bits = 0; bits < 65536; bits++) {
      short s = (short) bits;
      float f = HalfFloats.f16ToFloat(s);
      if (!Float.isNaN(f)) {
        assertEquals(s, HalfFloats.floatToF16(f), "f16 bits " + Integer.toHexString(bits));
      }
      float g = HalfFloats.bf16ToFloat(s);
      if (!Float.isNaN(g)) {
        assertEquals(s, HalfFloats.floatToBf16(g), "bf16 bits " + Integer.toHexString(bits));
      }
    }
    assertEquals(1.0f, HalfFloats.f16ToFloat((short) 0x3c00));
    assertEquals(65504f, HalfFloats.f16ToFloat((short) 0x7bff));
  }

  // ------------------------------------------------------------------ bad input

  Path goodFile() throws IOException {
    Path f = dir.resolve("good.safetensors");
    SafeTensors.write(f, List.of(new SafeTensors.Tensor("w", SafeTensors.DType.F32, new long[] {2, 3}, new float[6])), Map.of());
    return f;
  }

  static void assertBad(Path file, String fragment) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(file));
    assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
    assertTrue(e.getMessage().contains(fragment), "says '" + fragment + "': " + e.getMessage());
  }

  @Test
  void truncatedFiles() throws IOException {
    byte[] good = Files.readAllBytes(goodFile());
    Path f = dir.resolve("bad.safetensors");
    Files.write(f, java.util.Arrays.copyOf(good, 5));
    assertBad(f, "truncated");
    Files.write(f, java.util.Arrays.copyOf(good, 20));
    assertBad(f, "header length");
    Files.write(f, java.util.Arrays.copyOf(good, good.length - 4));
    assertBad(f, "outside the");
  }

  @Test
  void headersThatLie() throws IOException {
    Path f = dir.resolve("lies.safetensors");
    writeRaw(f, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", 24);
    assertBad(f, "needs 24 bytes but data_offsets span 16");
    writeRaw(f, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[20,24]}}", 24);
    assertBad(f, "overlap");
    writeRaw(f, "{\"w\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4);
    assertBad(f, "dtype I8 is not supported");
    writeRaw(f, "{\"w\": [not json", 4);
    assertBad(f, "not valid JSON");
    writeRaw(f, "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4);
    assertBad(f, "bad shape");
  }

  static void writeRaw(Path f, String header, int dataBytes) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    Files.write(f, b.array());
  }

  @Test
  void configWithMissingOrMistypedFields() throws IOException {
    Path f = dir.resolve("config.json");
    Files.writeString(f, "{\"hidden_size\": 32, \"num_attention_heads\": 4, \"intermediate_size\": 64, \"num_hidden_layers\": 2}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.read(f));
    assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("'vocab_size'"), e.getMessage());
    Files.writeString(f, "{\"vocab_size\": \"fifty\", \"hidden_size\": 32, \"num_attention_heads\": 4, \"intermediate_size\": 64, \"num_hidden_layers\": 2}");
    e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.read(f));
    assertTrue(e.getMessage().contains("must be an integer"), e.getMessage());
    Files.writeString(f, "{ not json");
    e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.read(f));
    assertTrue(e.getMessage().contains("cannot parse model config " + f), e.getMessage());
  }

  @Test
  void checkpointMissingATensorOrWithAWrongShape() throws IOException {
    try (Transformer model = Transformer.initialize(TinyModels.llama(), 3, manager, DataType.FLOAT32)) {
      ModelCheckpoint.save(model, dir.resolve("ck"));
    }
    Path weights = dir.resolve("ck/model.safetensors");
    Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>(SafeTensors.read(weights).tensors());
    t.remove("model.norm.weight");
    SafeTensors.write(weights, t.values(), Map.of());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelCheckpoint.load(dir.resolve("ck"), manager, DataType.FLOAT32));
    assertTrue(e.getMessage().contains("model.norm.weight") && e.getMessage().contains(weights.toString()), e.getMessage());
    t.put("model.norm.weight", new SafeTensors.Tensor("model.norm.weight", SafeTensors.DType.F32, new long[] {3}, new float[3]));
    SafeTensors.write(weights, t.values(), Map.of());
    e = assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.load(dir.resolve("ck"), manager, DataType.FLOAT32));
    assertTrue(e.getMessage().contains("has shape [3]"), e.getMessage());
  }
}
