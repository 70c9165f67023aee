package dev.spro.transforms.data;

import java.util.Locale;

/**
 * Stable prompt ids. The id keys the Advantage stage's groups and seeds every sample drawn for
 * the prompt, so it must not change when a file is re-read: it is the file's base name and the
 * row number, e.g. {@code train-000042}.
 */
public final class PromptIds {
  private PromptIds() {}

  public static String of(String fileName, long row) {
    String base = fileName;
    int slash = base.lastIndexOf('/');
    if (slash >= 0) {
      base = base.substring(slash + 1);
    }
    int dot = base.indexOf('.');
    if (dot > 0) {
      base = base.substring(0, dot);
    }
    return String.format(Locale.ROOT, "%s-%06d", base, row);
  }
}
