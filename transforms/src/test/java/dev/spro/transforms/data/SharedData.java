package dev.spro.transforms.data;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the project's shared data folder ({@code ../shared} beside the repository). */
public final class SharedData {
  private SharedData() {}

  public static Path gsm8k(String file) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared/data/gsm8k").resolve(file);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("shared/data/gsm8k/" + file + " not found above " + Path.of("").toAbsolutePath()
        + ": the real GSM8K files belong beside the repository (../shared)");
  }
}
