package dev.spro.models.tokenizer;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Rewrites the two pieces of Python Jinja that Hugging Face chat templates use and jinjava's
 * expression parser reads differently, so that jinjava renders them as Jinja2 does:
 *
 * <ul>
 *   <li>{@code x[::-1]} (Qwen2.5 and Qwen3 walk the messages backwards) is a parse error in
 *       jinjava; it becomes {@code (x|reverse)}. Other slices with a step are refused.
 *   <li>A keyword argument's value is parsed at the precedence of {@code +}, so jinjava reads
 *       {@code namespace(i=messages|length - 1)} as {@code (i=messages|length) - 1}; every keyword
 *       argument's value is put in parentheses: {@code namespace(i=(messages|length - 1))}.
 * </ul>
 *
 * Only the insides of {@code {{ }}} and {@code {% %}} change; text, comments and string literals
 * are copied as they are.
 */
final class JinjaDialect {
  private JinjaDialect() {}

  static String toJinjava(String template) {
    StringBuilder out = new StringBuilder(template.length() + 64);
    int i = 0;
    while (i < template.length()) {
      int open = nextTag(template, i);
      if (open < 0) {
        out.append(template, i, template.length());
        break;
      }
      String close = template.charAt(open + 1) == '{' ? "}}" : "%}";
      int end = indexOutsideStrings(template, close, open + 2);
      if (end < 0) {
        out.append(template, i, template.length()); // unclosed: jinjava reports it
        break;
      }
      out.append(template, i, open + 2).append(rewrite(template.substring(open + 2, end))).append(close);
      i = end + 2;
    }
    return out.toString();
  }

  /** The next {@code {{} or {@code {%} at or after {@code from}, skipping comments. */
  private static int nextTag(String t, int from) {
    int i = from;
    while (true) {
      int at = t.indexOf('{', i);
      if (at < 0 || at + 1 >= t.length()) {
        return -1;
      }
      char c = t.charAt(at + 1);
      if (c == '{' || c == '%') {
        return at;
      }
      if (c == '#') {
        int end = t.indexOf("#}", at + 2);
        if (end < 0) {
          return -1;
        }
        i = end + 2;
      } else {
        i = at + 1;
      }
    }
  }

  /** The index of the quote that ends the string literal starting at {@code start}. */
  private static int stringEnd(String t, int start) {
    char q = t.charAt(start);
    for (int i = start + 1; i < t.length(); i++) {
      if (t.charAt(i) == '\\') {
        i++;
      } else if (t.charAt(i) == q) {
        return i;
      }
    }
    return t.length() - 1;
  }

  static String rewrite(String expression) {
    return keywordArguments(reverseSlices(expression));
  }

  static String reverseSlices(String e) {
    String s = e;
    int at;
    while ((at = indexOutsideStrings(s, "[::-1]")) >= 0) {
      int start = chainStart(s, at);
      s = s.substring(0, start) + "(" + s.substring(start, at) + "|reverse)" + s.substring(at + "[::-1]".length());
    }
    int step = indexOutsideStrings(s, "::");
    if (step >= 0) {
      throw new IllegalArgumentException("the slice '" + s.substring(Math.max(0, step - 10), Math.min(s.length(), step + 8))
          + "' has a step; of slices with a step only [::-1] is supported");
    }
    return s;
  }

  /** Where the postfix chain ({@code a.b[c](d)}) ending just before {@code end} starts. */
  private static int chainStart(String s, int end) {
    int j = end - 1;
    while (j >= 0) {
      char c = s.charAt(j);
      if (c == ')' || c == ']') {
        j = matchingOpen(s, j) - 1;
      } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
        j--;
      } else if (c == '\'' || c == '"') {
        j = s.lastIndexOf(c, j - 1) - 1;
      } else {
        break;
      }
    }
    return j + 1;
  }

  private static int matchingOpen(String s, int close) {
    int depth = 0;
    for (int j = close; j >= 0; j--) {
      char c = s.charAt(j);
      if (c == ')' || c == ']') {
        depth++;
      } else if (c == '(' || c == '[') {
        depth--;
        if (depth == 0) {
          return j;
        }
      }
    }
    return 0;
  }

  private static int indexOutsideStrings(String s, String what) {
    return indexOutsideStrings(s, what, 0);
  }

  /** The first {@code what} at or after {@code from} that is not inside a string literal; -1 if none. */
  private static int indexOutsideStrings(String s, String what, int from) {
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'' || c == '"') {
        i = stringEnd(s, i);
      } else if (s.startsWith(what, i)) {
        return i;
      }
    }
    return -1;
  }

  /** One open bracket: whether it is a call's, and whether a keyword argument's value is open in it. */
  private static final class Frame {
    final boolean call;
    boolean valueOpen;
    int argumentStart;

    Frame(boolean call, int argumentStart) {
      this.call = call;
      this.argumentStart = argumentStart;
    }
  }

  static String keywordArguments(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    Deque<Frame> frames = new ArrayDeque<>();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'' || c == '"') {
        int end = stringEnd(s, i);
        out.append(s, i, end + 1);
        i = end;
        continue;
      }
      Frame top = frames.peek();
      switch (c) {
        case '(', '[', '{' -> {
          out.append(c);
          frames.push(new Frame(c == '(' && precededByCallee(s, i), out.length()));
        }
        case ')', ']', '}' -> {
          if (top != null) {
            if (top.valueOpen) {
              out.append(')');
            }
            frames.pop();
          }
          out.append(c);
        }
        case ',' -> {
          if (top != null && top.valueOpen) {
            out.append(')');
            top.valueOpen = false;
          }
          out.append(c);
          if (top != null) {
            top.argumentStart = out.length();
          }
        }
        case '=' -> {
          boolean single = (i + 1 >= s.length() || s.charAt(i + 1) != '=')
              && (i == 0 || "=!<>".indexOf(s.charAt(i - 1)) < 0);
          out.append(c);
          if (single && top != null && top.call && !top.valueOpen
              && out.substring(top.argumentStart, out.length() - 1).trim().matches("[A-Za-z_][A-Za-z0-9_]*")) {
            out.append('(');
            top.valueOpen = true;
          }
        }
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean precededByCallee(String s, int paren) {
    int j = paren - 1;
    while (j >= 0 && s.charAt(j) == ' ') {
      j--;
    }
    if (j < 0) {
      return false;
    }
    char c = s.charAt(j);
    return Character.isLetterOrDigit(c) || c == '_' || c == ')' || c == ']';
  }
}
