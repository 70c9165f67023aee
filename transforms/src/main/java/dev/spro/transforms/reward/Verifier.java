package dev.spro.transforms.reward;

import java.io.Serializable;

/**
 * Scores a response against a ground truth. Implementations are total — any strings (empty,
 * huge, malformed) give a result in bounded time, never an exception — and stateless.
 */
public interface Verifier extends Serializable {

  /** A score (1 correct, 0 wrong, or any real) and the answer extracted from the response (null if none). */
  record Result(double score, String extracted) {}

  Result verify(String response, String groundTruth);
}
