package dev.spro.models.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real tokenizers beside the repository, in {@code ../shared/data/tokenizers/NAME}. */
final class SharedTokenizers {
  private SharedTokenizers() {}

  static Path dir(String name) {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path dir = d.resolve("shared/data/tokenizers").resolve(name);
      if (Files.isRegularFile(dir.resolve("tokenizer.json"))) {
        return dir;
      }
    }
    throw new IllegalStateException("shared/data/tokenizers/" + name + " not found above " + Path.of("").toAbsolutePath()
        + ": the real tokenizer files belong beside the repository (../shared)");
  }
}
