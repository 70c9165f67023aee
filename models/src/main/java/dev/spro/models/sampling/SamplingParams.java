package dev.spro.models.sampling;

import java.io.Serializable;
import java.util.Set;

/**
 * How to sample: temperature 0 means greedy; top-k 0 and top-p 1 mean no truncation.
 *
 * @param stopTokens tokens that end a response (kept as its last token)
 * @param vocabLimit ids from here on are never drawn: the tokenizer's vocabulary size, where the
 *     model has more rows than the tokenizer has tokens (Qwen pads 151,665 to 151,936); 0: every id
 */
public record SamplingParams(double temperature, int topK, double topP, int maxNewTokens, Set<Integer> stopTokens,
    int vocabLimit) implements Serializable {

  public SamplingParams {
    if (!(temperature >= 0) || !(topP > 0 && topP <= 1) || topK < 0 || maxNewTokens <= 0 || vocabLimit < 0) {
      throw new IllegalArgumentException("sampling: need temperature >= 0, 0 < top_p <= 1, top_k >= 0, max_new_tokens > 0,"
          + " vocabulary limit >= 0");
    }
    stopTokens = Set.copyOf(stopTokens);
  }

  /** Every id of the model may be drawn. */
  public SamplingParams(double temperature, int topK, double topP, int maxNewTokens, Set<Integer> stopTokens) {
    this(temperature, topK, topP, maxNewTokens, stopTokens, 0);
  }

  public static SamplingParams greedy(int maxNewTokens, Set<Integer> stopTokens) {
    return new SamplingParams(0, 0, 1, maxNewTokens, stopTokens);
  }

  /** The same, drawing only ids below {@code limit}. */
  public SamplingParams withVocabLimit(int limit) {
    return new SamplingParams(temperature, topK, topP, maxNewTokens, stopTokens, limit);
  }

  public boolean isGreedy() {
    return temperature == 0;
  }
}
