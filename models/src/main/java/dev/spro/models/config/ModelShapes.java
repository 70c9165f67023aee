package dev.spro.models.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shapes users start from, as their Hugging Face config.json give them: what {@code spro
 * init --shape} writes as a randomly initialised model for smoke tests and benchmarks at real
 * size, with the RoPE base and scaling of the released configs.
 */
public final class ModelShapes {
  private ModelShapes() {}

  /** Name to builder, in the order the help lists them. */
  public static Map<String, ModelConfig.Builder> all() {
    Map<String, ModelConfig.Builder> m = new LinkedHashMap<>();
    m.put("qwen2.5-0.5b", qwen2(896, 4864, 24, 14, 2));
    m.put("qwen2.5-1.5b", qwen2(1536, 8960, 28, 12, 2));
    m.put("qwen2.5-3b", qwen2(2048, 11008, 36, 16, 2));
    m.put("qwen2.5-7b", qwen2(3584, 18944, 28, 28, 4).tieWordEmbeddings(false));
    m.put("llama-3.2-1b", ModelConfig.builder().modelType("llama").vocabSize(128_256).hiddenSize(2048)
        .intermediateSize(8192).layers(16).heads(32).kvHeads(8).headDim(64).maxPositions(131_072).rmsNormEps(1e-5)
        .ropeTheta(500_000).ropeScaling(RopeScaling.llama3(32, 1, 4, 8192)).tieWordEmbeddings(true)
        .bosTokenId(128_000).eosTokenId(128_001));
    m.put("qwen3-0.6b", ModelConfig.builder().modelType("qwen3").vocabSize(151_936).hiddenSize(1024)
        .intermediateSize(3072).layers(28).heads(16).kvHeads(8).headDim(128).maxPositions(40_960).rmsNormEps(1e-6)
        .ropeTheta(1_000_000).tieWordEmbeddings(true).bosTokenId(151_643).eosTokenId(151_645));
    return m;
  }

  /** The builder of shape {@code name}, or an error listing the shapes. */
  public static ModelConfig.Builder of(String name) {
    ModelConfig.Builder b = all().get(name);
    if (b == null) {
      throw new IllegalArgumentException("unknown shape '" + name + "'; known: " + String.join(", ", all().keySet()));
    }
    return b;
  }

  private static ModelConfig.Builder qwen2(int hidden, int intermediate, int layers, int heads, int kvHeads) {
    return ModelConfig.builder().modelType("qwen2").vocabSize(151_936).hiddenSize(hidden).intermediateSize(intermediate)
        .layers(layers).heads(heads).kvHeads(kvHeads).maxPositions(32_768).rmsNormEps(1e-6).ropeTheta(1_000_000)
        .tieWordEmbeddings(true).attentionBias(true).bosTokenId(151_643).eosTokenId(151_643);
  }
}
