package dev.spro.models.tokenizer;

/** Encodes text to token ids and back. Implementations never drop or truncate input silently. */
public interface TextTokenizer extends AutoCloseable {
  int[] encode(String text);

  String decode(int[] ids);

  int vocabSize();

  /**
   * The ids this tokenizer has a token for: 0 to tokenCount() - 1. A model may have more rows
   * (Qwen pads 151,665 tokens to 151,936 rows); the sampler never draws the others.
   */
  default int tokenCount() {
    return vocabSize();
  }

  /** The token that ends a response. */
  int eosId();

  /** The token used to fill padding columns (never attended to). */
  int padId();

  @Override
  default void close() {}
}
