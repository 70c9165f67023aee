package dev.spro.models.tokenizer;

/** Encodes text to token ids and back. Implementations never drop or truncate input silently. */
public interface TextTokenizer extends AutoCloseable {
  int[] encode(String text);

  String decode(int[] ids);

  int vocabSize();

  /** The token that ends a response. */
  int eosId();

  /** The token used to fill padding columns (never attended to). */
  int padId();

  @Override
  default void close() {}
}
