package dev.spro.models.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shape of a Llama / Qwen2 / Qwen3-family decoder, with the field names of a Hugging Face
 * {@code config.json}. {@link #read} accepts real checkpoints' files (as transformers 4.x and 5.x
 * write them); {@link #builder} makes small ones.
 *
 * @param modelType {@code llama}, {@code qwen2} or {@code qwen3}
 * @param ropeScaling the rotary frequencies' scaling ({@link RopeScaling#NONE}, or Llama 3's)
 * @param attentionBias q/k/v projections have biases (always for Qwen2, {@code attention_bias} for Llama and Qwen3)
 * @param qkNorm queries and keys are RMS-normalised per head before the rotation (Qwen3)
 * @param eosTokenId the end-of-sequence token (-1 when the config names none)
 */
public record ModelConfig(
    String modelType,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    int maxPositionEmbeddings,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    boolean qkNorm,
    int bosTokenId,
    int eosTokenId)
    implements Serializable {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public ModelConfig {
    check(vocabSize > 0, "vocab_size must be > 0");
    check(hiddenSize > 0 && intermediateSize > 0 && numHiddenLayers > 0, "sizes must be > 0");
    check(numAttentionHeads > 0 && numKeyValueHeads > 0, "head counts must be > 0");
    check(numAttentionHeads % numKeyValueHeads == 0,
        "num_attention_heads (" + numAttentionHeads + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
    check(headDim > 0 && headDim % 2 == 0, "head_dim must be even and > 0 (rotary embeddings rotate pairs), was " + headDim);
    check(rmsNormEps > 0 && ropeTheta > 0, "rms_norm_eps and rope_theta must be > 0");
    check(ropeScaling != null, "rope scaling must be given (RopeScaling.NONE for none)");
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("model config: " + message);
    }
  }

  /** Query heads per key/value head (grouped-query attention). */
  public int kvGroups() {
    return numAttentionHeads / numKeyValueHeads;
  }

  /** Parameters of a model of this shape. */
  public long parameterCount() {
    long h = hiddenSize;
    long q = (long) numAttentionHeads * headDim;
    long kv = (long) numKeyValueHeads * headDim;
    long attn = h * q + 2 * h * kv + q * h + (attentionBias ? q + 2 * kv : 0);
    long mlp = 3 * h * intermediateSize;
    long layer = attn + mlp + 2 * h + (qkNorm ? 2L * headDim : 0);
    return vocabSize * h * (tieWordEmbeddings ? 1 : 2) + numHiddenLayers * layer + h;
  }

  /** Reads a Hugging Face {@code config.json}; a missing or mistyped field is named with the file. */
  public static ModelConfig read(Path file) {
    JsonNode n = readObject(file, "model config");
    try {
      String type = text(n, "model_type", "llama");
      if (!type.equals("llama") && !type.equals("qwen2") && !type.equals("qwen3")) {
        throw new IllegalArgumentException("model_type '" + type + "' is not supported (llama, qwen2, qwen3)");
      }
      refuseWhatChangesTheMath(n);
      int hidden = required(n, "hidden_size");
      int heads = required(n, "num_attention_heads");
      return new ModelConfig(
          type,
          required(n, "vocab_size"),
          hidden,
          required(n, "intermediate_size"),
          required(n, "num_hidden_layers"),
          heads,
          integer(n, "num_key_value_heads", heads),
          integer(n, "head_dim", heads > 0 ? hidden / heads : 0),
          integer(n, "max_position_embeddings", 2048),
          number(n, "rms_norm_eps", 1e-6),
          ropeTheta(n),
          RopeScaling.read(n),
          bool(n, "tie_word_embeddings", false),
          type.equals("qwen2") || bool(n, "attention_bias", false),
          type.equals("qwen3"),
          firstInt(n, "bos_token_id"),
          firstInt(n, "eos_token_id"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("model config " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@code file} as a JSON object; an unreadable file or another JSON value is named as {@code what} with the file. */
  static JsonNode readObject(Path file, String what) {
    JsonNode n;
    try {
      n = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot parse " + what + " " + file + ": " + e.getMessage(), e);
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException(what + " " + file + " is not a JSON object");
    }
    return n;
  }

  /**
   * The RoPE base: top-level {@code rope_theta} (transformers 4.x) or {@code
   * rope_parameters.rope_theta} (5.x writes only that); 10,000 when neither is there. Reading only
   * the first made a re-saved Qwen2 (10^6) or Llama 3 (5 x 10^5) silently use 10,000.
   */
  static double ropeTheta(JsonNode n) {
    JsonNode parameters = n.path("rope_parameters");
    boolean top = n.hasNonNull("rope_theta");
    boolean nested = parameters.hasNonNull("rope_theta");
    if (top && nested && n.get("rope_theta").asDouble() != parameters.get("rope_theta").asDouble()) {
      throw new IllegalArgumentException("rope_theta " + n.get("rope_theta") + " and rope_parameters.rope_theta "
          + parameters.get("rope_theta") + " disagree; keep one");
    }
    return top ? number(n, "rope_theta", 10000.0) : nested ? number(parameters, "rope_theta", 10000.0) : 10000.0;
  }

  /**
   * Fields that would make this decoder compute something else than transformers does, refused by
   * name instead of ignored: an activation other than SiLU, sliding-window attention, biases on the
   * MLP, a rotary embedding over part of each head. (A RoPE type other than default or llama3 is
   * refused by {@link RopeScaling}.)
   */
  private static void refuseWhatChangesTheMath(JsonNode n) {
    for (JsonNode holder : new JsonNode[] {n, n.path("rope_parameters")}) {
      if (holder.hasNonNull("partial_rotary_factor") && holder.get("partial_rotary_factor").asDouble() != 1.0) {
        throw new IllegalArgumentException("partial_rotary_factor " + holder.get("partial_rotary_factor")
            + " is not supported (rotary embedding over the whole head)");
      }
    }
    String act = n.path("hidden_act").asText("silu");
    if (!act.equals("silu")) {
      throw new IllegalArgumentException("hidden_act '" + act + "' is not supported (silu)");
    }
    for (JsonNode layerType : n.path("layer_types")) {
      if (!layerType.asText().equals("full_attention")) {
        throw new IllegalArgumentException("layer_types " + n.get("layer_types") + " has '" + layerType.asText()
            + "' layers; this decoder attends to the whole context in every layer (full_attention)");
      }
    }
    if (n.path("use_sliding_window").asBoolean(false)) {
      throw new IllegalArgumentException("sliding-window attention (use_sliding_window: true, sliding_window "
          + n.path("sliding_window") + ") is not supported; this decoder attends to the whole context");
    }
    if (n.path("mlp_bias").asBoolean(false)) {
      throw new IllegalArgumentException("mlp_bias: true is not supported (MLP projections without bias)");
    }
  }

  /** Writes this config as a Hugging Face {@code config.json} whose weights are stored as {@code torchDtype}. */
  public void write(Path file, String torchDtype) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.putArray("architectures").add(switch (modelType) {
      case "qwen2" -> "Qwen2ForCausalLM";
      case "qwen3" -> "Qwen3ForCausalLM";
      default -> "LlamaForCausalLM";
    });
    n.put("model_type", modelType);
    n.put("vocab_size", vocabSize);
    n.put("hidden_size", hiddenSize);
    n.put("intermediate_size", intermediateSize);
    n.put("num_hidden_layers", numHiddenLayers);
    n.put("num_attention_heads", numAttentionHeads);
    n.put("num_key_value_heads", numKeyValueHeads);
    n.put("head_dim", headDim);
    n.put("max_position_embeddings", maxPositionEmbeddings);
    n.put("rms_norm_eps", rmsNormEps);
    n.put("rope_theta", ropeTheta);
    ropeScaling.write(n);
    n.put("tie_word_embeddings", tieWordEmbeddings);
    n.put("attention_bias", attentionBias);
    n.put("hidden_act", "silu");
    if (bosTokenId >= 0) {
      n.put("bos_token_id", bosTokenId);
    }
    if (eosTokenId >= 0) {
      n.put("eos_token_id", eosTokenId);
    }
    n.put("torch_dtype", torchDtype);
    Files.writeString(file, JSON.writeValueAsString(n) + "\n");
  }

  private static int required(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("missing required field '" + field + "'");
    }
    if (!v.isIntegralNumber()) {
      throw new IllegalArgumentException("field '" + field + "' must be an integer, was " + v);
    }
    return v.intValue();
  }

  private static int integer(JsonNode n, String field, int fallback) {
    return n.hasNonNull(field) ? required(n, field) : fallback;
  }

  private static double number(JsonNode n, String field, double fallback) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException("field '" + field + "' must be a number, was " + v);
    }
    return v.doubleValue();
  }

  private static boolean bool(JsonNode n, String field, boolean fallback) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw new IllegalArgumentException("field '" + field + "' must be true or false, was " + v);
    }
    return v.booleanValue();
  }

  private static String text(JsonNode n, String field, String fallback) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? fallback : v.asText();
  }

  /** A token id field that may be a number or a list of numbers (then the first); -1 if absent. */
  private static int firstInt(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return -1;
    }
    if (v.isArray() && v.size() > 0) {
      v = v.get(0);
    }
    if (!v.isIntegralNumber()) {
      throw new IllegalArgumentException("field '" + field + "' must be a token id, was " + v);
    }
    return v.intValue();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Small configs for built-in tasks and tests; defaults are a tiny Llama. */
  public static final class Builder {
    private String modelType = "llama";
    private int vocabSize = 64;
    private int hiddenSize = 64;
    private int intermediateSize = 176;
    private int numHiddenLayers = 2;
    private int numAttentionHeads = 4;
    private int numKeyValueHeads = 2;
    private int headDim = 0;
    private int maxPositionEmbeddings = 512;
    private double rmsNormEps = 1e-6;
    private double ropeTheta = 10000;
    private RopeScaling ropeScaling = RopeScaling.NONE;
    private boolean tieWordEmbeddings = true;
    private boolean attentionBias = false;
    private int bosTokenId = -1;
    private int eosTokenId = -1;

    public Builder modelType(String v) { modelType = v; return this; }
    public Builder vocabSize(int v) { vocabSize = v; return this; }
    public Builder hiddenSize(int v) { hiddenSize = v; return this; }
    public Builder intermediateSize(int v) { intermediateSize = v; return this; }
    public Builder layers(int v) { numHiddenLayers = v; return this; }
    public Builder heads(int v) { numAttentionHeads = v; return this; }
    public Builder kvHeads(int v) { numKeyValueHeads = v; return this; }
    public Builder headDim(int v) { headDim = v; return this; }
    public Builder maxPositions(int v) { maxPositionEmbeddings = v; return this; }
    public Builder rmsNormEps(double v) { rmsNormEps = v; return this; }
    public Builder ropeTheta(double v) { ropeTheta = v; return this; }
    public Builder ropeScaling(RopeScaling v) { ropeScaling = v; return this; }
    public Builder tieWordEmbeddings(boolean v) { tieWordEmbeddings = v; return this; }
    public Builder attentionBias(boolean v) { attentionBias = v; return this; }
    public Builder bosTokenId(int v) { bosTokenId = v; return this; }
    public Builder eosTokenId(int v) { eosTokenId = v; return this; }

    public ModelConfig build() {
      int hd = headDim > 0 ? headDim : hiddenSize / numAttentionHeads;
      return new ModelConfig(modelType, vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
          numKeyValueHeads, hd, maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling, tieWordEmbeddings,
          attentionBias || modelType.equals("qwen2"), modelType.equals("qwen3"), bosTokenId, eosTokenId);
    }
  }
}
