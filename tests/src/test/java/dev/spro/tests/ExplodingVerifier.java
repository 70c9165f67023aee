package dev.spro.tests;

import dev.spro.transforms.reward.Verifier;

/** A custom verifier that fails on every response: a stage error a user's own code can cause. */
public final class ExplodingVerifier implements Verifier {
  public static final String MESSAGE = "the verifier exploded on purpose";

  @Override
  public Result verify(String response, String groundTruth) {
    throw new IllegalStateException(MESSAGE);
  }
}
