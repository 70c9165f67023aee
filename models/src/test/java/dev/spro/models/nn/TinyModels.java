package dev.spro.models.nn;

import dev.spro.models.config.ModelConfig;

/** Small configurations the model tests share. */
public final class TinyModels {
  private TinyModels() {}

  /** Llama-style: GQA (4 query heads on 2 kv heads), tied embeddings, no biases. */
  public static ModelConfig llama() {
    return ModelConfig.builder().vocabSize(40).hiddenSize(32).intermediateSize(64).layers(2).heads(4).kvHeads(2)
        .maxPositions(128).tieWordEmbeddings(true).eosTokenId(2).build();
  }

  /** Qwen2-style: q/k/v biases, untied head, rope_theta 1e6. */
  public static ModelConfig qwen2() {
    return ModelConfig.builder().modelType("qwen2").vocabSize(48).hiddenSize(32).intermediateSize(48).layers(2)
        .heads(4).kvHeads(1).ropeTheta(1_000_000).maxPositions(128).tieWordEmbeddings(false).eosTokenId(2).build();
  }
}
