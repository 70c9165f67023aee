package dev.spro.models.tokenizer;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * One token per character of a fixed alphabet, after three special tokens: {@code 0 = <pad>},
 * {@code 1 = <bos>}, {@code 2 = <eos>}. A character outside the alphabet is an error naming it
 * and its position, never dropped.
 */
public final class CharTokenizer implements TextTokenizer, Serializable {
  public static final int PAD = 0;
  public static final int BOS = 1;
  public static final int EOS = 2;
  private static final int SPECIALS = 3;

  private final String alphabet;
  private final Map<Character, Integer> ids = new HashMap<>();

  public CharTokenizer(String alphabet) {
    this.alphabet = alphabet;
    for (int i = 0; i < alphabet.length(); i++) {
      if (ids.put(alphabet.charAt(i), SPECIALS + i) != null) {
        throw new IllegalArgumentException("alphabet repeats '" + alphabet.charAt(i) + "'");
      }
    }
  }

  /** The alphabet of the built-in arithmetic task: digits, operators, separators, letters. */
  public static CharTokenizer arithmetic() {
    return new CharTokenizer("0123456789+-*=;#?., :\nabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ()/");
  }

  public String alphabet() {
    return alphabet;
  }

  @Override
  public int[] encode(String text) {
    int[] out = new int[text.length()];
    for (int i = 0; i < text.length(); i++) {
      Integer id = ids.get(text.charAt(i));
      if (id == null) {
        throw new IllegalArgumentException("character '" + text.charAt(i) + "' (U+"
            + String.format("%04X", (int) text.charAt(i)) + ") at position " + i + " is not in the tokenizer's alphabet");
      }
      out[i] = id;
    }
    return out;
  }

  @Override
  public String decode(int[] tokens) {
    StringBuilder sb = new StringBuilder();
    for (int t : tokens) {
      if (t >= SPECIALS && t < SPECIALS + alphabet.length()) {
        sb.append(alphabet.charAt(t - SPECIALS));
      }
    }
    return sb.toString();
  }

  @Override
  public int vocabSize() {
    return SPECIALS + alphabet.length();
  }

  @Override
  public int eosId() {
    return EOS;
  }

  @Override
  public int padId() {
    return PAD;
  }
}
