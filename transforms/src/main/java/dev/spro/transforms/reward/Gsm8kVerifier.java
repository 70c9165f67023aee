package dev.spro.transforms.reward;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GSM8K answers, as verl scores them. Only the final 300 characters are searched (bounded time on
 * any input).
 *
 * <pre>
 *   strict    the last "#### &lt;number&gt;", with ',' and '$' removed, equals the ground truth
 *   flexible  the last number anywhere (',' removed, a trailing '.' dropped) equals the ground truth
 * </pre>
 */
public final class Gsm8kVerifier implements Verifier {
  static final int CLIP_CHARS = 300;
  private static final Pattern STRICT = Pattern.compile("#### (\\-?[0-9\\.\\,]+)");
  private static final Pattern NUMBER = Pattern.compile("(\\-?[0-9\\.\\,]+)");

  private final boolean flexible;

  private Gsm8kVerifier(boolean flexible) {
    this.flexible = flexible;
  }

  public static Gsm8kVerifier strict() {
    return new Gsm8kVerifier(false);
  }

  public static Gsm8kVerifier flexible() {
    return new Gsm8kVerifier(true);
  }

  @Override
  public Result verify(String response, String groundTruth) {
    if (response == null || groundTruth == null) {
      return new Result(0, null);
    }
    String s = response.length() > CLIP_CHARS ? response.substring(response.length() - CLIP_CHARS) : response;
    String answer = flexible ? lastNumber(s) : lastStrict(s);
    return new Result(answer != null && answer.equals(groundTruth.trim()) ? 1 : 0, answer);
  }

  private static String lastStrict(String s) {
    Matcher m = STRICT.matcher(s);
    String last = null;
    while (m.find()) {
      last = m.group(1);
    }
    return last == null ? null : last.replace(",", "").replace("$", "");
  }

  private static String lastNumber(String s) {
    Matcher m = NUMBER.matcher(s);
    String last = null;
    while (m.find()) {
      String candidate = m.group(1).replace(",", "");
      if (candidate.endsWith(".")) {
        candidate = candidate.substring(0, candidate.length() - 1);
      }
      if (!candidate.isEmpty() && !candidate.equals("-")) {
        last = candidate;
      }
    }
    return last;
  }
}
