package dev.spro.models.nn;

import java.util.List;

/**
 * Where each token of a batch goes: row b is {@code [left padding | prompt | response | right
 * padding]}, so every prompt ends at column {@code promptWidth - 1} and response token j of every
 * row sits at column {@code promptWidth + j}. Sampling and scoring share this geometry, so the
 * log-probs of scoring are those of the same positions the sampler saw.
 *
 * @param tokens {@code [B][promptWidth + responseWidth]}, padding filled with {@code pad}
 * @param positions rotary position of each column, counted over real tokens (0 on padding)
 * @param valid real-token columns
 */
public record Layout(int[][] tokens, int[][] positions, boolean[][] valid, int promptWidth, int responseWidth) {

  /** Lays out prompts (each non-empty) and responses (null or empty for prompts alone). */
  public static Layout of(List<int[]> prompts, List<int[]> responses, int pad) {
    int b = prompts.size();
    int pw = 0;
    int rw = 0;
    for (int i = 0; i < b; i++) {
      if (prompts.get(i).length == 0) {
        throw new IllegalArgumentException("prompt " + i + " is empty: a prompt needs at least one token");
      }
      pw = Math.max(pw, prompts.get(i).length);
      rw = Math.max(rw, responses == null ? 0 : responses.get(i).length);
    }
    int width = pw + rw;
    int[][] tokens = new int[b][width];
    int[][] positions = new int[b][width];
    boolean[][] valid = new boolean[b][width];
    for (int i = 0; i < b; i++) {
      int[] p = prompts.get(i);
      int[] r = responses == null ? new int[0] : responses.get(i);
      java.util.Arrays.fill(tokens[i], pad);
      int start = pw - p.length;
      for (int j = 0; j < p.length; j++) {
        tokens[i][start + j] = p[j];
        valid[i][start + j] = true;
        positions[i][start + j] = j;
      }
      for (int j = 0; j < r.length; j++) {
        tokens[i][pw + j] = r[j];
        valid[i][pw + j] = true;
        positions[i][pw + j] = p.length + j;
      }
    }
    return new Layout(tokens, positions, valid, pw, rw);
  }
}
