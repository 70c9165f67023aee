package dev.spro.models.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's tokenizers (the Rust library, bundled in the
 * jar). Truncation and padding are off: a long text encodes to all of its tokens, and the caller
 * decides what to do with a prompt longer than the model's context.
 */
public final class HfTokenizer implements TextTokenizer {
  private final HuggingFaceTokenizer tokenizer;
  private final int vocabSize;
  private final int tokenCount;
  private final int eosId;
  private final int padId;

  private HfTokenizer(HuggingFaceTokenizer tokenizer, int vocabSize, int tokenCount, int eosId, int padId) {
    this.tokenizer = tokenizer;
    this.vocabSize = vocabSize;
    this.tokenCount = Math.min(tokenCount, vocabSize);
    this.eosId = eosId;
    this.padId = padId;
  }

  /**
   * Loads {@code file} (a tokenizer.json); {@code eosToken} names the end-of-response token
   * (e.g. {@code <|im_end|>}), which must be in the vocabulary.
   */
  public static HfTokenizer load(Path file, String eosToken, int vocabSize) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("tokenizer file " + file + " does not exist");
    }
    HuggingFaceTokenizer t;
    try {
      t = HuggingFaceTokenizer.newInstance(file,
          Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
    } catch (Exception | Error e) {
      throw new IllegalArgumentException("cannot load tokenizer " + file + ": " + e.getMessage(), e);
    }
    long[] eos = t.encode(eosToken, false, false).getIds();
    if (eos.length != 1) {
      t.close();
      throw new IllegalArgumentException("tokenizer " + file + ": '" + eosToken + "' is not a single token (got "
          + eos.length + ")");
    }
    return new HfTokenizer(t, vocabSize, tokenCount(file), (int) eos[0], (int) eos[0]);
  }

  /** One more than the largest id of {@code file}'s vocabulary and added tokens. */
  static int tokenCount(Path file) {
    try {
      JsonNode root = new ObjectMapper().readTree(file.toFile());
      int max = -1;
      for (JsonNode id : root.path("model").path("vocab")) {
        max = Math.max(max, id.asInt());
      }
      for (JsonNode added : root.path("added_tokens")) {
        max = Math.max(max, added.path("id").asInt());
      }
      return max + 1;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read tokenizer " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public int tokenCount() {
    return tokenCount;
  }

  @Override
  public int[] encode(String text) {
    Encoding e = tokenizer.encode(text, false, false);
    if (e.exceedMaxLength()) {
      throw new IllegalStateException("tokenizer truncated a text of " + text.length() + " characters");
    }
    long[] ids = e.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  @Override
  public String decode(int[] ids) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return tokenizer.decode(l, true);
  }

  @Override
  public int vocabSize() {
    return vocabSize;
  }

  @Override
  public int eosId() {
    return eosId;
  }

  @Override
  public int padId() {
    return padId;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
