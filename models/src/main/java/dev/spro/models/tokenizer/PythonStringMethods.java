package dev.spro.models.tokenizer;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The methods of Python's {@code str} that chat templates call ({@code content.startswith('<tool')},
 * {@code content.split('</think>')[-1].lstrip('\n')}...), on jinjava's Java strings, with Python's
 * semantics ({@code strip(chars)} strips a set of characters; {@code split()} splits on runs of
 * whitespace). Everything else goes to jinjava's own resolver, whose allowlist keeps templates
 * from calling arbitrary Java methods.
 */
final class PythonStringMethods extends ELResolver {
  private final ELResolver next;

  PythonStringMethods(ELResolver next) {
    this.next = next;
  }

  @Override
  public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] args) {
    if (base instanceof String s && method != null) {
      Object result = call(s, method.toString(), args == null ? new Object[0] : args);
      if (result != null) {
        context.setPropertyResolved(true);
        return result;
      }
    }
    return next.invoke(context, base, method, types, args);
  }

  /** {@code s.name(args)} as Python computes it, or null for a method this class does not know. */
  static Object call(String s, String name, Object[] args) {
    String a = args.length > 0 && args[0] != null ? args[0].toString() : null;
    return switch (name) {
      case "startswith" -> a != null && s.startsWith(a);
      case "endswith" -> a != null && s.endsWith(a);
      case "strip" -> strip(s, a, true, true);
      case "lstrip" -> strip(s, a, true, false);
      case "rstrip" -> strip(s, a, false, true);
      case "split" -> split(s, a, args.length > 1 ? ((Number) args[1]).intValue() : -1);
      case "upper" -> s.toUpperCase(Locale.ROOT);
      case "lower" -> s.toLowerCase(Locale.ROOT);
      case "title" -> title(s);
      case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
      case "replace" -> args.length >= 2 ? s.replace(a, String.valueOf(args[1])) : null;
      case "find" -> a == null ? null : (long) s.indexOf(a);
      case "count" -> a == null || a.isEmpty() ? null : (long) (s.length() - s.replace(a, "").length()) / a.length();
      case "join" -> args.length == 1 && args[0] instanceof Iterable<?> it ? join(s, it) : null;
      default -> null;
    };
  }

  /** Python's strip family: whitespace without {@code chars}, else any of {@code chars}. */
  static String strip(String s, String chars, boolean left, boolean right) {
    int from = 0;
    int to = s.length();
    while (left && from < to && strippable(s.charAt(from), chars)) {
      from++;
    }
    while (right && to > from && strippable(s.charAt(to - 1), chars)) {
      to--;
    }
    return s.substring(from, to);
  }

  private static boolean strippable(char c, String chars) {
    return chars == null ? Character.isWhitespace(c) : chars.indexOf(c) >= 0;
  }

  /** Python's split: on runs of whitespace without a separator, else on each separator; at most {@code max} splits. */
  static List<String> split(String s, String separator, int max) {
    List<String> parts = new ArrayList<>();
    if (separator == null) {
      String rest = strip(s, null, true, false);
      while (!rest.isEmpty()) {
        int end = 0;
        while (end < rest.length() && !Character.isWhitespace(rest.charAt(end))) {
          end++;
        }
        if (max >= 0 && parts.size() == max) {
          parts.add(strip(rest, null, false, true));
          break;
        }
        parts.add(rest.substring(0, end));
        rest = strip(rest.substring(end), null, true, false);
      }
      return parts;
    }
    if (separator.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    int from = 0;
    int at;
    while ((max < 0 || parts.size() < max) && (at = s.indexOf(separator, from)) >= 0) {
      parts.add(s.substring(from, at));
      from = at + separator.length();
    }
    parts.add(s.substring(from));
    return parts;
  }

  private static String title(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean start = true;
    for (char c : s.toCharArray()) {
      out.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
      start = !Character.isLetter(c);
    }
    return out.toString();
  }

  private static String join(String separator, Iterable<?> items) {
    StringBuilder out = new StringBuilder();
    boolean first = true;
    for (Object o : items) {
      if (!first) {
        out.append(separator);
      }
      out.append(o);
      first = false;
    }
    return out.toString();
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return next.getCommonPropertyType(context, base);
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return next.getFeatureDescriptors(context, base);
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return next.getType(context, base, property);
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return next.getValue(context, base, property);
  }

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return next.isReadOnly(context, base, property);
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {
    next.setValue(context, base, property, value);
  }
}
