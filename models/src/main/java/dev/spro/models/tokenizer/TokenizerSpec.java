package dev.spro.models.tokenizer;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * Which tokenizer a run uses, as a value that travels to workers: the built-in character
 * tokenizer over an alphabet, or a Hugging Face {@code tokenizer.json} with its end-of-response
 * token. Workers open it with {@link #open}.
 */
public sealed interface TokenizerSpec extends Serializable {

  /** Opens the tokenizer; {@code vocabSize} is the model's embedding rows (at least the tokenizer's). */
  TextTokenizer open(int vocabSize);

  /** The built-in character tokenizer over {@code alphabet}. */
  record Chars(String alphabet) implements TokenizerSpec {
    @Override
    public TextTokenizer open(int vocabSize) {
      return new CharTokenizer(alphabet);
    }
  }

  /** A Hugging Face {@code tokenizer.json}; {@code eosToken} ends a response (e.g. {@code <|im_end|>}). */
  record HuggingFace(String file, String eosToken) implements TokenizerSpec {
    @Override
    public TextTokenizer open(int vocabSize) {
      return HfTokenizer.load(Path.of(file), eosToken, vocabSize);
    }
  }
}
