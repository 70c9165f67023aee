package dev.spro.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.engine.DjlRuntime;
import dev.spro.models.engine.EngineArrays;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A decoder-only transformer of the Llama / Qwen2 family, as plain tensor code:
 *
 * <pre>
 *   x = embed(tokens)
 *   for each layer:
 *     h = rmsnorm(x)                      q, k, v = h Wq (+bq), h Wk (+bk), h Wv (+bv)
 *     (Qwen3) q, k = rmsnorm(q), rmsnorm(k)          per head, over the head dimension
 *     q, k = rope(q), rope(k)             rotary position embeddings, HF's rotate-half layout
 *                                         (Llama 3.1/3.2: frequencies scaled, RopeScaling)
 *     a = softmax(q k^T / sqrt(d) + mask) v        grouped-query: each k/v head serves kvGroups q heads
 *     x = x + a Wo
 *     x = x + down(silu(gate(rmsnorm(x))) * up(rmsnorm(x)))       SwiGLU
 *   logits = rmsnorm(x) W_lm              W_lm = the embedding when tied
 * </pre>
 *
 * <p>Sequences are laid out in columns: a batch row is {@code [left padding | prompt | response |
 * right padding]}, with {@code valid[b][col]} marking real tokens and positions counted over real
 * tokens only. The mask lets a query at column c see the valid keys at columns {@code <= c}, so
 * padding never changes a real token's output. Masked scores are a large finite negative, not
 * -inf: a padding query that sees no key then gets finite garbage instead of a NaN that would
 * leak into real rows through the attention-weighted sum.
 *
 * <p>Parameters are NDArrays in this model's own manager, named as in Hugging Face checkpoints.
 * Every constant in the forward pass is a tensor ({@link Scalars}): this engine's arithmetic with
 * Java numbers corrupts gradients.
 */
public final class Transformer implements AutoCloseable {
  private static final double MASKED = -1e9;

  private final ModelConfig config;
  private final NDManager manager;
  private final DataType dtype;
  private final Map<String, NDArray> params = new LinkedHashMap<>();
  private final Map<String, SafeTensors.DType> storage = new LinkedHashMap<>();
  private final double[] inverseFrequencies;

  private Transformer(ModelConfig config, NDManager parent, DataType dtype) {
    this.config = config;
    this.manager = parent.newSubManager();
    this.dtype = dtype;
    this.inverseFrequencies = config.ropeScaling().inverseFrequencies(config.ropeTheta(), config.headDim());
  }

  // ---------------------------------------------------------------- construction

  /** The Hugging Face names and shapes of every parameter of {@code config}, in a fixed order. */
  public static Map<String, long[]> parameterShapes(ModelConfig c) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    long h = c.hiddenSize();
    long q = (long) c.numAttentionHeads() * c.headDim();
    long kv = (long) c.numKeyValueHeads() * c.headDim();
    shapes.put("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      shapes.put(p + "input_layernorm.weight", new long[] {h});
      shapes.put(p + "self_attn.q_proj.weight", new long[] {q, h});
      shapes.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
      shapes.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
      if (c.attentionBias()) {
        shapes.put(p + "self_attn.q_proj.bias", new long[] {q});
        shapes.put(p + "self_attn.k_proj.bias", new long[] {kv});
        shapes.put(p + "self_attn.v_proj.bias", new long[] {kv});
      }
      if (c.qkNorm()) {
        shapes.put(p + "self_attn.q_norm.weight", new long[] {c.headDim()});
        shapes.put(p + "self_attn.k_norm.weight", new long[] {c.headDim()});
      }
      shapes.put(p + "self_attn.o_proj.weight", new long[] {h, q});
      shapes.put(p + "post_attention_layernorm.weight", new long[] {h});
      shapes.put(p + "mlp.gate_proj.weight", new long[] {c.intermediateSize(), h});
      shapes.put(p + "mlp.up_proj.weight", new long[] {c.intermediateSize(), h});
      shapes.put(p + "mlp.down_proj.weight", new long[] {h, c.intermediateSize()});
    }
    shapes.put("model.norm.weight", new long[] {h});
    if (!c.tieWordEmbeddings()) {
      shapes.put("lm_head.weight", new long[] {c.vocabSize(), h});
    }
    return shapes;
  }

  /**
   * A freshly initialised model: norms 1, biases 0, weights N(0, 0.02) with the residual
   * projections (o_proj, down_proj) scaled by 1/sqrt(2 layers) (GPT-2's scheme). Each tensor's
   * values come from a generator seeded by (seed, name), so they do not depend on the engine.
   */
  public static Transformer initialize(ModelConfig config, long seed, NDManager parent, DataType dtype) {
    Transformer model = new Transformer(config, parent, dtype);
    double residualScale = 1 / Math.sqrt(2.0 * config.numHiddenLayers());
    for (Map.Entry<String, long[]> e : parameterShapes(config).entrySet()) {
      String name = e.getKey();
      float[] values = new float[(int) Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact)];
      if (name.endsWith("norm.weight")) { // every RMSNorm: input, post-attention, final, Qwen3 q/k
        Arrays.fill(values, 1f);
      } else if (!name.endsWith(".bias")) {
        double std = 0.02 * (name.contains("o_proj") || name.contains("down_proj") ? residualScale : 1);
        SplittableRandom rnd = new SplittableRandom(seed ^ (name.hashCode() * 0x9E3779B97F4A7C15L));
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) (rnd.nextGaussian() * std);
        }
      }
      model.put(name, values, e.getValue(), SafeTensors.DType.F32);
    }
    return model;
  }

  /**
   * A model from checkpoint tensors: every parameter of {@code config} must be present with its
   * shape; a missing, extra or misshapen tensor is an error naming it. Extra tensors that are
   * derived buffers (rotary inv_freq) are ignored.
   */
  public static Transformer fromTensors(ModelConfig config, Map<String, SafeTensors.Tensor> tensors, NDManager parent,
      DataType dtype) {
    Map<String, SafeTensors.Entry> entries = new java.util.LinkedHashMap<>();
    tensors.forEach((n, t) -> entries.put(n, new SafeTensors.Entry(n, t.dtype(), t.shape())));
    return fromTensors(config, entries, tensors::get, parent, dtype);
  }

  /**
   * A model from the tensors {@code entries} describes, each read by {@code read} when its turn
   * comes and dropped once on the engine, so loading holds one tensor on the heap, not the model.
   */
  public static Transformer fromTensors(ModelConfig config, Map<String, SafeTensors.Entry> entries,
      java.util.function.Function<String, SafeTensors.Tensor> read, NDManager parent, DataType dtype) {
    Transformer model = new Transformer(config, parent, dtype);
    Map<String, long[]> shapes = parameterShapes(config);
    try {
      for (Map.Entry<String, long[]> e : shapes.entrySet()) {
        SafeTensors.Entry t = entries.get(e.getKey());
        if (t == null) {
          throw new IllegalArgumentException("checkpoint has no tensor '" + e.getKey() + "'");
        }
        if (!Arrays.equals(t.shape(), e.getValue())) {
          throw new IllegalArgumentException("tensor '" + e.getKey() + "' has shape " + Arrays.toString(t.shape())
              + ", the config needs " + Arrays.toString(e.getValue()));
        }
      }
      for (String name : entries.keySet()) {
        if (!shapes.containsKey(name) && !name.endsWith("rotary_emb.inv_freq")
            && !(config.tieWordEmbeddings() && name.equals("lm_head.weight"))) {
          throw new IllegalArgumentException("checkpoint has tensor '" + name + "' that this model does not use");
        }
      }
      for (String name : shapes.keySet()) {
        SafeTensors.Tensor t = read.apply(name);
        model.put(name, t.values(), t.shape(), t.dtype());
      }
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    return model;
  }

  private void put(String name, float[] values, long[] shape, SafeTensors.DType stored) {
    NDArray a = EngineArrays.create(manager, values, new Shape(shape));
    if (dtype != DataType.FLOAT32) {
      NDArray cast = a.toType(dtype, true);
      a.close();
      a = cast;
    }
    a.setRequiresGradient(true);
    params.put(name, a);
    storage.put(name, stored);
  }

  /** The parameters as checkpoint tensors, each in the dtype it was loaded from (fp32 if new). */
  public List<SafeTensors.Tensor> toTensors() {
    List<SafeTensors.Tensor> out = new ArrayList<>();
    for (SafeTensors.Entry e : tensorEntries()) {
      out.add(new SafeTensors.Tensor(e.name(), e.dtype(), e.shape(), values(e.name())));
    }
    return out;
  }

  /** How each parameter is stored in a checkpoint: name, the dtype it was loaded from (fp32 if new), shape. */
  public List<SafeTensors.Entry> tensorEntries() {
    List<SafeTensors.Entry> out = new ArrayList<>();
    params.forEach((n, a) -> out.add(new SafeTensors.Entry(n, storage.get(n), a.getShape().getShape())));
    return out;
  }

  /** Parameter {@code name}'s values, widened to fp32. */
  public float[] values(String name) {
    NDArray a = params.get(name);
    return a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : toFloats(a);
  }

  private static float[] toFloats(NDArray a) {
    try (NDArray f = a.toType(DataType.FLOAT32, true)) {
      return f.toFloatArray();
    }
  }

  public ModelConfig config() {
    return config;
  }

  public DataType dataType() {
    return dtype;
  }

  /** The parameters by Hugging Face name, in a fixed order. Modify only through an optimizer. */
  public Map<String, NDArray> parameters() {
    return java.util.Collections.unmodifiableMap(params);
  }

  private NDArray p(String name) {
    return params.get(name);
  }

  // ---------------------------------------------------------------- forward

  /**
   * Final hidden states {@code [B, T, hidden]} for {@code tokens} ({@code [B][T]}) at columns
   * {@code past .. past+T-1}, where {@code past = cache.length()} (0 without a cache).
   *
   * @param m manager for the temporaries (close it after use)
   * @param positions rotary position of each token ({@code [B][T]})
   * @param valid which key columns hold real tokens ({@code [B][past + T]})
   * @param cache appended to when given
   */
  public NDArray hiddenStates(NDManager m, int[][] tokens, int[][] positions, boolean[][] valid, KvCache cache) {
    int b = tokens.length;
    int t = tokens[0].length;
    int past = cache == null ? 0 : cache.length();
    long[] ids = new long[b * t];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        ids[i * t + j] = tokens[i][j];
      }
    }
    NDArray idArray = m.create(ids, new Shape(b, t));
    NDArray x = Embedding.embedding(idArray, p("model.embed_tokens.weight"), SparseFormat.DENSE).singletonOrThrow();
    NDArray[] rope = rotaryTables(m, positions);
    NDArray mask = attentionMask(m, valid, past, t);
    boolean recording = DjlRuntime.recordsGradients();
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      if (recording) {
        x = layer(l, x, rope[0], rope[1], mask, cache); // the backward needs every layer's intermediates
        continue;
      }
      // Without a graph nothing needs a layer's intermediates once its output exists: free them
      // per layer (attention scores, MLP activations: ~100 MB per layer at 8 rows x 140 tokens of a
      // 0.5B model) instead of holding all layers' until the caller's manager closes.
      try (NDManager scope = m.newSubManager()) {
        x.attach(scope);
        NDArray out = layer(l, x, rope[0], rope[1], mask, cache);
        out.attach(m);
        x = out;
      }
    }
    return rmsNorm(x, p("model.norm.weight"));
  }

  /** Logits over the vocabulary, {@code [..., vocab]}, from hidden states. */
  public NDArray logits(NDArray hidden) {
    String head = config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
    return Linear.linear(hidden, p(head)).singletonOrThrow();
  }

  private NDArray layer(int l, NDArray x, NDArray cos, NDArray sin, NDArray mask, KvCache cache) {
    String pre = "model.layers." + l + ".";
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int d = config.headDim();

    NDArray h = rmsNorm(x, p(pre + "input_layernorm.weight"));
    NDArray q = project(h, pre + "self_attn.q_proj").reshape(b, t, heads, d);
    NDArray k = project(h, pre + "self_attn.k_proj").reshape(b, t, kvHeads, d);
    if (config.qkNorm()) {
      // Qwen3: each head's query and key RMS-normalised over the head dimension, before the rotation
      q = rmsNorm(q, p(pre + "self_attn.q_norm.weight"));
      k = rmsNorm(k, p(pre + "self_attn.k_norm.weight"));
    }
    q = q.transpose(0, 2, 1, 3);
    k = k.transpose(0, 2, 1, 3);
    NDArray v = project(h, pre + "self_attn.v_proj").reshape(b, t, kvHeads, d).transpose(0, 2, 1, 3);
    q = rotate(q, cos, sin);
    k = rotate(k, cos, sin);
    if (cache != null) {
      NDArray[] kv = cache.append(l, k, v);
      k = kv[0];
      v = kv[1];
    }
    // Arrays derived from the cache's keys and values would belong to the cache's manager and live
    // as long as the cache (a full copy per layer per generated token); they belong to this step.
    NDManager step = q.getManager();
    if (config.kvGroups() > 1) {
      // query head i uses key/value head i / kvGroups (repeat_interleave, as HF's repeat_kv)
      k = k.repeat(1, config.kvGroups());
      v = v.repeat(1, config.kvGroups());
      k.attach(step);
      v.attach(step);
    }
    NDArray keysT = k.transpose(0, 1, 3, 2);
    keysT.attach(step);
    NDArray scores = q.matMul(keysT).mul(Scalars.of(q, 1 / Math.sqrt(d))).add(mask);
    NDArray attended = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * d);
    x = x.add(Linear.linear(attended, p(pre + "self_attn.o_proj.weight")).singletonOrThrow());

    NDArray h2 = rmsNorm(x, p(pre + "post_attention_layernorm.weight"));
    NDArray gate = Linear.linear(h2, p(pre + "mlp.gate_proj.weight")).singletonOrThrow();
    NDArray up = Linear.linear(h2, p(pre + "mlp.up_proj.weight")).singletonOrThrow();
    NDArray swiglu = gate.mul(Activation.sigmoid(gate)).mul(up);
    return x.add(Linear.linear(swiglu, p(pre + "mlp.down_proj.weight")).singletonOrThrow());
  }

  private NDArray project(NDArray h, String name) {
    NDArray bias = params.get(name + ".bias");
    NDList out = bias == null ? Linear.linear(h, p(name + ".weight")) : Linear.linear(h, p(name + ".weight"), bias);
    return out.singletonOrThrow();
  }

  private NDArray rmsNorm(NDArray x, NDArray weight) {
    NDArray rms = x.square().mean(new int[] {-1}, true).add(Scalars.of(x, config.rmsNormEps())).sqrt();
    return x.div(rms).mul(weight);
  }

  /** HF's rotate-half rotary embedding: x cos + rotate_half(x) sin. */
  private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
    long half = x.getShape().get(3) / 2;
    NDArray x1 = x.get("..., :" + half);
    NDArray x2 = x.get("..., " + half + ":");
    NDArray rotated = x2.neg().concat(x1, -1);
    return x.mul(cos).add(rotated.mul(sin));
  }

  /** cos and sin tables {@code [B, 1, T, headDim]} for the given positions, computed in double. */
  private NDArray[] rotaryTables(NDManager m, int[][] positions) {
    int b = positions.length;
    int t = positions[0].length;
    int d = config.headDim();
    int half = d / 2;
    float[] cos = new float[b * t * d];
    float[] sin = new float[b * t * d];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        int base = (i * t + j) * d;
        for (int f = 0; f < half; f++) {
          double angle = positions[i][j] * inverseFrequencies[f];
          float c = (float) Math.cos(angle);
          float s = (float) Math.sin(angle);
          cos[base + f] = c;
          cos[base + f + half] = c;
          sin[base + f] = s;
          sin[base + f + half] = s;
        }
      }
    }
    Shape shape = new Shape(b, 1, t, d);
    return new NDArray[] {cast(m.create(cos, shape)), cast(m.create(sin, shape))};
  }

  /** Additive mask {@code [B, 1, T, past+T]}: 0 where query (column past+j) may see key column k. */
  private NDArray attentionMask(NDManager m, boolean[][] valid, int past, int t) {
    int b = valid.length;
    int keys = past + t;
    if (valid[0].length != keys) {
      throw new IllegalArgumentException("valid has " + valid[0].length + " columns, expected past + T = " + keys);
    }
    float[] mask = new float[b * t * keys];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        int base = (i * t + j) * keys;
        for (int k = 0; k < keys; k++) {
          mask[base + k] = (k <= past + j && valid[i][k]) ? 0f : (float) MASKED;
        }
      }
    }
    return cast(m.create(mask, new Shape(b, 1, t, keys)));
  }

  private NDArray cast(NDArray a) {
    return dtype == DataType.FLOAT32 ? a : a.toType(dtype, false);
  }

  @Override
  public void close() {
    manager.close();
  }
}
