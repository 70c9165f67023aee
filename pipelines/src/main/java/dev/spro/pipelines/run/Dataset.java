package dev.spro.pipelines.run;

import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.schemas.Prompt;
import dev.spro.schemas.RejectedRow;
import dev.spro.transforms.data.PromptFiles;
import dev.spro.transforms.task.ArithmeticTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The prompts a run draws its batches from: the built-in task (ids 0..trainSize-1), or the usable
 * rows of prompt files (by id, in file order), with where each data source was first seen and
 * how many rows could not be used.
 */
public record Dataset(ArithmeticTask task, String pattern, List<String> ids, Map<String, String> sources,
    int rejectedRows, String firstRejection) {

  public int size() {
    return ids.size();
  }

  /** The built-in task of {@code config}, or null when it reads files. */
  public static ArithmeticTask task(RunConfig config) {
    if (config.data.task == null) {
      return null;
    }
    RunConfig.Arithmetic t = config.data.arithmetic;
    return new ArithmeticTask(t.minOperands, t.maxOperands, t.maxOperand, t.testShare, t.seed, t.additionShare);
  }

  /**
   * Reads every row of the config's files once (schema and row checks included); a file pattern
   * that matches nothing, an unreadable file or no usable row at all is a {@link ConfigException}.
   */
  public static Dataset resolve(RunConfig config) {
    ArithmeticTask task = task(config);
    if (task != null) {
      List<String> ids = new ArrayList<>(config.data.arithmetic.trainSize);
      for (int i = 0; i < config.data.arithmetic.trainSize; i++) {
        ids.add(Integer.toString(i));
      }
      return new Dataset(task, null, ids, Map.of("spro/arithmetic", "the built-in task"), 0, null);
    }
    List<String> ids = new ArrayList<>();
    Map<String, String> sources = new LinkedHashMap<>();
    int rejected = 0;
    String first = null;
    for (Path f : matchFiles(config)) {
      PromptFiles.Result r;
      try {
        r = PromptFiles.read(f);
      } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
        throw new ConfigException(config.source, "data.files: " + e.getMessage(), e);
      }
      for (Prompt p : r.prompts()) {
        ids.add(p.getId());
        sources.putIfAbsent(p.getDataSource(), p.getOrigin() == null ? f.toString() : p.getOrigin());
      }
      rejected += r.rejected().size();
      if (first == null && !r.rejected().isEmpty()) {
        first = describe(r.rejected().get(0));
      }
    }
    if (ids.isEmpty()) {
      throw new ConfigException(config.source, "data.files '" + config.data.files + "' has no usable row (" + rejected
          + " rejected; first: " + first + ")");
    }
    return new Dataset(null, config.data.files, ids, sources, rejected, first);
  }

  /** The files {@code data.files} matches (a glob in the last path element), sorted. */
  static List<Path> matchFiles(RunConfig config) {
    return matchFiles(config, "data.files", config.data.files);
  }

  /** The files {@code pattern} (the value of {@code key}) matches: a glob in the last path element, sorted. */
  static List<Path> matchFiles(RunConfig config, String key, String pattern) {
    Path p = Path.of(pattern).toAbsolutePath();
    Path parent = p.getParent();
    var matcher = parent.getFileSystem().getPathMatcher("glob:" + p.getFileName());
    try (Stream<Path> s = Files.list(parent)) {
      List<Path> files = s.filter(f -> matcher.matches(f.getFileName())).sorted().toList();
      if (files.isEmpty()) {
        throw new ConfigException(config.source, key + " '" + pattern + "' matches no file in " + parent);
      }
      return files;
    } catch (IOException e) {
      throw new ConfigException(config.source, key + " '" + pattern + "': cannot list " + parent + " (" + e + ")", e);
    }
  }

  /**
   * The held-out prompts of {@code eval.files} (every usable row, in file order; at most
   * {@code eval.testSize} of them, 0: all), or of the built-in task's test split; none when the
   * run has neither. An unreadable file, or files without a usable row, is a {@link ConfigException};
   * rows that cannot be used are counted in a note of the config (printed when the run starts).
   */
  public static List<Prompt> evalPrompts(RunConfig config) {
    RunConfig.Eval e = config.eval;
    List<Prompt> prompts = new ArrayList<>();
    if (e.files != null) {
      int rejected = 0;
      String first = null;
      for (Path f : matchFiles(config, "eval.files", e.files)) {
        try {
          PromptFiles.Result r = PromptFiles.read(f);
          prompts.addAll(r.prompts());
          rejected += r.rejected().size();
          if (first == null && !r.rejected().isEmpty()) {
            first = describe(r.rejected().get(0));
          }
        } catch (IllegalArgumentException | java.io.UncheckedIOException ex) {
          throw new ConfigException(config.source, "eval.files: " + ex.getMessage(), ex);
        }
      }
      if (prompts.isEmpty()) {
        throw new ConfigException(config.source, "eval.files '" + e.files + "' has no usable row (" + rejected
            + " rejected; first: " + first + ")");
      }
      if (rejected > 0) {
        config.notes.add(rejected + " rows of eval.files " + e.files + " cannot be used and are not evaluated (first: "
            + first + ")");
      }
      return e.testSize > 0 && prompts.size() > e.testSize ? List.copyOf(prompts.subList(0, e.testSize)) : prompts;
    }
    ArithmeticTask task = task(config);
    if (task != null) {
      for (int i = 0; i < e.testSize; i++) {
        prompts.add(task.prompt("test", i));
      }
    }
    return prompts;
  }

  /** A rejected row as messages name it: {@code file:row field: reason}. */
  private static String describe(RejectedRow b) {
    return b.getFile() + ":" + b.getRow() + " " + b.getField() + ": " + b.getReason();
  }
}
