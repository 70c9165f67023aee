package dev.spro.runners.cli;

import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of a Hugging Face tokenizer that travel with an exported model, so that
 * {@code AutoTokenizer.from_pretrained} and {@code apply_chat_template} work on the export alone.
 */
final class TokenizerFiles {
  /** What save_pretrained writes for a tokenizer (fast and slow BPE files, the template, special tokens). */
  static final List<String> NAMES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
      "chat_template.jinja", "vocab.json", "merges.txt", "tokenizer.model", "added_tokens.json");

  private TokenizerFiles() {}

  /** The tokenizer files beside {@code path} (a tokenizer.json or its directory); none for null. */
  static List<Path> of(Path path) {
    if (path == null) {
      return List.of();
    }
    Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
    if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      throw new IllegalArgumentException("no tokenizer.json in " + dir + " (--tokenizer takes a tokenizer.json or its directory)");
    }
    List<Path> files = new ArrayList<>();
    for (String name : NAMES) {
      if (Files.isRegularFile(dir.resolve(name))) {
        files.add(dir.resolve(name));
      }
    }
    return files;
  }

  /**
   * The tokenizer of the run {@code checkpoint} belongs to ({@code RUN/iter-K/checkpoint}, the
   * {@code model.tokenizer} of {@code RUN/run.yaml}); null for the built-in char tokenizer or a
   * checkpoint outside a run.
   */
  static Path ofRun(Path checkpoint) {
    Path run = checkpoint.toAbsolutePath().getParent();
    run = run == null ? null : run.getParent();
    if (run == null || !Files.isRegularFile(run.resolve(RunDirectory.CONFIG))) {
      return null;
    }
    try {
      RunConfig c = RunDirectory.frozenConfig(run); // checked against the hash the run started with
      return c.model.tokenizer.equals("char") ? null : Path.of(c.model.tokenizer);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read " + run.resolve(RunDirectory.CONFIG) + ": " + e.getMessage(), e);
    }
  }
}
