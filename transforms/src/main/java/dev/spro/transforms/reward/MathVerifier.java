package dev.spro.transforms.reward;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * MATH-style answers: the last {@code \boxed{}} of the response, normalised ({@link
 * MathAnswers#normalize}), against the normalised ground truth. Equal when any of these holds, in
 * order of cost:
 *
 * <ol>
 *   <li>the normalised strings are equal;
 *   <li>both are numbers (integers, decimals, {@code \frac{a}{b}}, {@code a/b}, percentages) equal
 *       within a relative 1e-6 — a percentage also matches its value divided by 100;
 *   <li>both are tuples {@code (a, b)}, intervals or sets {@code \{a, b\}} of equal elements
 *       (sets in any order);
 *   <li>Symja proves {@code a - b} zero within the time limit.
 * </ol>
 */
public final class MathVerifier implements Verifier {
  private final long symbolicTimeoutMillis;

  public MathVerifier(long symbolicTimeoutMillis) {
    this.symbolicTimeoutMillis = symbolicTimeoutMillis;
  }

  public MathVerifier() {
    this(2000);
  }

  @Override
  public Result verify(String response, String groundTruth) {
    if (response == null || groundTruth == null) {
      return new Result(0, null);
    }
    String boxed = MathAnswers.lastBoxedContent(response);
    if (boxed == null) {
      return new Result(0, null);
    }
    String truth = groundTruth;
    String truthBoxed = MathAnswers.lastBoxedContent(groundTruth);
    if (truthBoxed != null) {
      truth = truthBoxed;
    }
    return new Result(equivalent(boxed, truth) ? 1 : 0, boxed);
  }

  /** Whether two answers (already extracted) are the same. */
  public boolean equivalent(String answer, String truth) {
    if (answer.length() > MathAnswers.MAX_ANSWER || truth.length() > MathAnswers.MAX_ANSWER) {
      return answer.equals(truth);
    }
    String a = MathAnswers.normalize(answer);
    String b = MathAnswers.normalize(truth);
    if (a.isEmpty() || b.isEmpty()) {
      return false;
    }
    if (a.equals(b)) {
      return true;
    }
    Double x = number(a);
    Double y = number(b);
    if (x != null && y != null) {
      if (close(x, y)) {
        return true;
      }
      boolean percent = answer.contains("%") || truth.contains("%");
      return percent && (close(x, y / 100) || close(x / 100, y));
    }
    List<String> xs = elements(a);
    List<String> ys = elements(b);
    if (xs != null && ys != null) {
      return sameElements(a, b, xs, ys);
    }
    if (xs != null || ys != null) {
      return false;
    }
    return symbolicTimeoutMillis > 0 && plausibleMath(a) && plausibleMath(b)
        && SymbolicEquivalence.equivalent(a, b, symbolicTimeoutMillis);
  }

  private boolean sameElements(String a, String b, List<String> xs, List<String> ys) {
    if (xs.size() != ys.size()) {
      return false;
    }
    boolean sets = a.startsWith("\\{") && b.startsWith("\\{");
    if (!sets) {
      if (a.charAt(0) != b.charAt(0) || a.charAt(a.length() - 1) != b.charAt(b.length() - 1)) {
        return false; // (a,b) is not [a,b]
      }
      for (int i = 0; i < xs.size(); i++) {
        if (!equivalent(xs.get(i), ys.get(i))) {
          return false;
        }
      }
      return true;
    }
    Set<Integer> used = new HashSet<>();
    for (String x : xs) {
      boolean found = false;
      for (int j = 0; j < ys.size() && !found; j++) {
        if (!used.contains(j) && equivalent(x, ys.get(j))) {
          used.add(j);
          found = true;
        }
      }
      if (!found) {
        return false;
      }
    }
    return true;
  }

  /** Equal within a relative 1e-6; never true for an infinity or NaN (1e999 is not 42). */
  static boolean close(double x, double y) {
    return Double.isFinite(x) && Double.isFinite(y) && Math.abs(x - y) <= 1e-6 * Math.max(1, Math.max(Math.abs(x), Math.abs(y)));
  }

  /**
   * The value of a plain number, \frac{a}{b} (with an optional sign) or a/b; null otherwise, and
   * null for what is not a finite number (1e999, 1/0, 0/0).
   */
  static Double number(String s) {
    Double v = parsedNumber(s);
    return v != null && Double.isFinite(v) ? v : null;
  }

  private static Double parsedNumber(String s) {
    String t = s.replace(",", "");
    try {
      if (t.matches("-?\\d+(\\.\\d+)?([eE]-?\\d+)?")) {
        return Double.parseDouble(t);
      }
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(-?)\\\\frac\\{(-?\\d+(?:\\.\\d+)?)\\}\\{(-?\\d+(?:\\.\\d+)?)\\}").matcher(t);
      if (m.matches()) {
        double v = Double.parseDouble(m.group(2)) / Double.parseDouble(m.group(3));
        return m.group(1).isEmpty() ? v : -v;
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return null;
  }

  /** Top-level comma-separated elements of a tuple, interval or set; null if {@code s} is none. */
  static List<String> elements(String s) {
    String inner;
    if (s.startsWith("\\{") && s.endsWith("\\}") && s.length() >= 4) {
      inner = s.substring(2, s.length() - 2);
    } else if (s.length() >= 2 && "([".indexOf(s.charAt(0)) >= 0 && ")]".indexOf(s.charAt(s.length() - 1)) >= 0) {
      inner = s.substring(1, s.length() - 1);
    } else {
      return null;
    }
    List<String> out = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < inner.length(); i++) {
      char c = inner.charAt(i);
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(inner.substring(start, i));
        start = i + 1;
      }
    }
    out.add(inner.substring(start));
    return out.size() >= 2 ? out : null;
  }

  /** Short and made of characters that can be mathematics: worth handing to the algebra system. */
  static boolean plausibleMath(String s) {
    if (s.length() > 200) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(Character.isLetterOrDigit(c) || "\\{}^_()[]+-*/.,=<>|!' ".indexOf(c) >= 0)) {
        return false;
      }
    }
    return true;
  }
}
