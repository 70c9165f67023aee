package dev.spro.transforms.reward;

import java.util.Locale;

/**
 * Exact match, ignoring case and white space: the fallback for data sources without a verifier
 * of their own. The whole response (trimmed) is the answer, unless it has a final {@code ####}
 * or {@code \boxed{}} answer, which is then compared instead.
 */
public final class ExactMatchVerifier implements Verifier {
  @Override
  public Result verify(String response, String groundTruth) {
    if (response == null || groundTruth == null) {
      return new Result(0, null);
    }
    String answer = response;
    String boxed = MathAnswers.lastBoxedContent(response);
    if (boxed != null) {
      answer = boxed;
    } else {
      int hashes = response.lastIndexOf("####");
      if (hashes >= 0) {
        answer = response.substring(hashes + 4);
      }
    }
    return new Result(squash(answer).equals(squash(groundTruth)) ? 1 : 0, answer.trim());
  }

  static String squash(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!Character.isWhitespace(c)) {
        sb.append(c);
      }
    }
    return sb.toString().toLowerCase(Locale.ROOT);
  }
}
