package dev.spro.models.sampling;

import java.io.Serializable;
import java.util.Set;

/**
 * How to sample: temperature 0 means greedy; top-k 0 and top-p 1 mean no truncation.
 *
 * @param stopTokens tokens that end a response (kept as its last token)
 */
public record SamplingParams(double temperature, int topK, double topP, int maxNewTokens, Set<Integer> stopTokens)
    implements Serializable {

  public SamplingParams {
    if (!(temperature >= 0) || !(topP > 0 && topP <= 1) || topK < 0 || maxNewTokens <= 0) {
      throw new IllegalArgumentException("sampling: need temperature >= 0, 0 < top_p <= 1, top_k >= 0, max_new_tokens > 0");
    }
    stopTokens = Set.copyOf(stopTokens);
  }

  public static SamplingParams greedy(int maxNewTokens, Set<Integer> stopTokens) {
    return new SamplingParams(0, 0, 1, maxNewTokens, stopTokens);
  }

  public boolean isGreedy() {
    return temperature == 0;
  }
}
