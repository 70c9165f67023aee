package dev.spro.transforms.reward;

/**
 * Extracting and normalising MATH-style answers, after the MATH benchmark's reference code (which
 * verl and PRIME use): the last {@code \boxed{...}} (nested braces), {@code \boxed x} or {@code
 * \fbox{...}}, then {@link #normalize} strips what does not change the answer.
 */
public final class MathAnswers {
  /** Longer answers are not normalised or compared (bounded work on any input). */
  static final int MAX_ANSWER = 1000;

  private MathAnswers() {}

  /** The content of the last boxed answer in {@code s}, or null. */
  public static String lastBoxedContent(String s) {
    int boxed = s.lastIndexOf("\\boxed");
    int fbox = s.lastIndexOf("\\fbox");
    int idx = Math.max(boxed, fbox);
    if (idx < 0) {
      return null;
    }
    int after = idx + (idx == boxed ? "\\boxed".length() : "\\fbox".length());
    if (after < s.length() && s.charAt(after) == ' ') {
      // "\boxed 5$" : up to the closing dollar (or the end)
      int end = s.indexOf('$', after);
      String content = s.substring(after + 1, end < 0 ? s.length() : end).trim();
      return content.isEmpty() ? null : content;
    }
    int open = after;
    while (open < s.length() && s.charAt(open) == ' ') {
      open++;
    }
    if (open >= s.length() || s.charAt(open) != '{') {
      return null;
    }
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '{') {
        depth++;
      } else if (c == '}') {
        depth--;
        if (depth == 0) {
          return s.substring(open + 1, i);
        }
      }
    }
    return null; // unbalanced
  }

  /**
   * The MATH normalisation: no line breaks, {@code \!}, {@code \left}/{@code \right}, degree
   * marks, dollar signs, trailing units ({@code \text{ cm}}), percent signs or trailing period;
   * {@code \text{x}} becomes x; {@code tfrac}/{@code dfrac} become {@code frac}; leading-dot
   * decimals get their 0; a short {@code x =} prefix goes; {@code \sqrt3} becomes {@code
   * \sqrt{3}}, {@code \frac12} becomes {@code \frac{1}{2}} and a plain {@code a/b} becomes {@code
   * \frac{a}{b}}; spaces go; {@code 0.5} becomes {@code \frac{1}{2}}.
   */
  public static String normalize(String answer) {
    String s = answer;
    if (s.length() > MAX_ANSWER) {
      return s;
    }
    s = s.replace("\n", "").replace("\\!", "").replace("\\\\", "\\");
    s = s.replace("tfrac", "frac").replace("dfrac", "frac");
    s = s.replace("\\left", "").replace("\\right", "");
    s = s.replace("^{\\circ}", "").replace("^\\circ", "").replace("°", "");
    s = s.replace("\\$", "").replace("$", "");
    s = removeRightUnits(s);
    s = unwrapText(s);
    s = s.replace("\\%", "").replace("%", "");
    s = s.replace(" .", " 0.").replace("{.", "{0.");
    s = s.trim();
    while (s.endsWith(".") && !s.endsWith("..")) {
      s = s.substring(0, s.length() - 1).trim();
    }
    if (s.isEmpty()) {
      return s;
    }
    if (s.charAt(0) == '.') {
      s = "0" + s;
    }
    String[] eq = s.split("=", -1);
    if (eq.length == 2 && eq[0].trim().length() <= 2) {
      s = eq[1];
    }
    s = fixSqrt(s);
    s = s.replace(" ", "");
    s = fixFracs(s);
    if (s.equals("0.5")) {
      s = "\\frac{1}{2}";
    }
    return fixSlash(s);
  }

  /** "5 \text{ cm}" -> "5 " (units written after the number). */
  private static String removeRightUnits(String s) {
    int idx = s.indexOf("\\text{ ");
    return idx > 0 ? s.substring(0, idx) : s;
  }

  /** \text{abc} / \mbox{abc} / \textbf{abc} -> abc. */
  private static String unwrapText(String s) {
    for (String cmd : new String[] {"\\text{", "\\textbf{", "\\mbox{", "\\mathrm{"}) {
      int idx;
      int guard = 0;
      while ((idx = s.indexOf(cmd)) >= 0 && guard++ < 50) {
        int close = matching(s, idx + cmd.length() - 1);
        if (close < 0) {
          break;
        }
        s = s.substring(0, idx) + s.substring(idx + cmd.length(), close) + s.substring(close + 1);
      }
    }
    return s;
  }

  /** Index of the brace closing the one at {@code open}, or -1. */
  static int matching(String s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      if (s.charAt(i) == '{') {
        depth++;
      } else if (s.charAt(i) == '}' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  private static String fixSqrt(String s) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < s.length()) {
      if (s.startsWith("\\sqrt", i) && i + 5 < s.length() && s.charAt(i + 5) != '{' && s.charAt(i + 5) != '['
          && !Character.isWhitespace(s.charAt(i + 5))) {
        out.append("\\sqrt{").append(s.charAt(i + 5)).append('}');
        i += 6;
      } else {
        out.append(s.charAt(i));
        i++;
      }
    }
    return out.toString();
  }

  /** \frac12 -> \frac{1}{2}, \frac1{2} -> \frac{1}{2}, \frac{1}2 -> \frac{1}{2}. */
  private static String fixFracs(String s) {
    String[] parts = s.split("\\\\frac", -1);
    if (parts.length == 1) {
      return s;
    }
    StringBuilder out = new StringBuilder(parts[0]);
    for (int k = 1; k < parts.length; k++) {
      String p = parts[k];
      out.append("\\frac");
      if (p.isEmpty() || p.charAt(0) == '{') {
        if (!p.isEmpty()) {
          int close = matching(p, 0);
          if (close > 0 && close + 1 < p.length() && p.charAt(close + 1) != '{') {
            out.append(p, 0, close + 1).append('{').append(p.charAt(close + 1)).append('}').append(p.substring(close + 2));
            continue;
          }
        }
        out.append(p);
        continue;
      }
      if (p.length() < 2) {
        out.append(p);
        continue;
      }
      char a = p.charAt(0);
      if (p.charAt(1) == '{') {
        out.append('{').append(a).append('}').append(p.substring(1));
      } else {
        out.append('{').append(a).append("}{").append(p.charAt(1)).append('}').append(p.substring(2));
      }
    }
    return out.toString();
  }

  /** "3/4" -> "\frac{3}{4}" for plain integers only. */
  private static String fixSlash(String s) {
    String[] ab = s.split("/", -1);
    if (ab.length == 2 && ab[0].matches("-?\\d+") && ab[1].matches("\\d+")) {
      return "\\frac{" + ab[0] + "}{" + ab[1] + "}";
    }
    return s;
  }
}
