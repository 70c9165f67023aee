package dev.spro.pipelines.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spro.models.io.AtomicFiles;
import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.transforms.stages.RunLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A run directory: the frozen config, the iterations' committed outputs, and {@code latest}.
 * Opening one takes its lock (one writer at a time) and, for a resume, checks the frozen config
 * against its recorded hash and the given config against the frozen one (only resume-safe keys
 * may differ).
 */
public final class RunDirectory implements AutoCloseable {
  public static final String CONFIG = "run.yaml";
  public static final String CONFIG_HASH = "config.sha256";
  public static final String LATEST = "latest";
  public static final String METRICS = "metrics.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
  private static final Pattern ITERATION = Pattern.compile("iter-(\\d{6})");

  private final Path dir;
  private final RunLock lock;

  private RunDirectory(Path dir, RunLock lock) {
    this.dir = dir;
    this.lock = lock;
  }

  public Path path() {
    return dir;
  }

  /**
   * Opens {@code dir} for {@code config}, holding its {@link RunLock} until {@link #close}: a new
   * directory gets the config frozen into it; an existing one must have been started with the same
   * config, up to the resume-safe keys, and its frozen config must be the one it recorded.
   */
  public static RunDirectory open(Path dir, RunConfig config) throws IOException {
    Files.createDirectories(dir);
    RunLock lock = RunLock.acquire(dir);
    try {
      Path frozen = dir.resolve(CONFIG);
      if (Files.exists(frozen)) {
        RunConfig before = frozenConfig(dir);
        if (!before.hash().equals(config.hash())) {
          List<String> diffs = RunConfig.differences(before, config).stream()
              .filter(d -> RunConfig.RESUME_SAFE.stream().noneMatch(d::startsWith)).toList();
          throw new IllegalArgumentException("run directory " + dir + " was started with a different config; a resume may "
              + "change only " + RunConfig.RESUME_SAFE + ", but these differ: " + diffs);
        }
      }
      // The hash first: a crash between the two writes leaves a run.yaml that still matches it.
      AtomicFiles.writeString(dir.resolve(CONFIG_HASH), config.hash() + "\n");
      AtomicFiles.writeString(frozen, config.toYaml());
      return new RunDirectory(dir, lock);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /**
   * The holder recorded in the lock file by a process that died holding it (the lock was taken
   * over), or null.
   */
  public String staleLockHolder() {
    return lock.staleHolder();
  }

  /** Releases the run directory's lock. */
  @Override
  public void close() throws IOException {
    lock.close();
  }

  /**
   * The frozen config of run directory {@code dir} (for {@code spro resume DIR}), checked against
   * the hash recorded when the run started: a {@code run.yaml} edited by hand would resume a
   * different run into the same directory, so it is refused, naming both files.
   */
  public static RunConfig frozenConfig(Path dir) throws IOException {
    Path frozen = dir.resolve(CONFIG);
    if (!Files.exists(frozen)) {
      throw new IllegalArgumentException(dir + " is not a run directory (no " + CONFIG + ")");
    }
    RunConfig config = RunConfig.parse(Files.readString(frozen), "config " + frozen);
    Path hashFile = dir.resolve(CONFIG_HASH);
    String recorded = Files.exists(hashFile) ? Files.readString(hashFile).trim() : "(missing)";
    if (!recorded.equals(config.hash())) {
      throw new ConfigException(frozen.toString(), "does not match the config this run started with: its settings hash to "
          + config.hash() + " but " + hashFile.getFileName() + " records " + recorded + ". A run's settings are frozen "
          + "(only " + RunConfig.RESUME_SAFE + " may change on resume, through the command line). Restore " + CONFIG
          + " from a backup, or start a new run with the new settings: spro train --config FILE --run-dir NEW_DIR");
    }
    return config;
  }

  /** The newest iteration whose checkpoint is committed (its directory exists), or -1. */
  public int lastCheckpoint() throws IOException {
    int best = -1;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        Matcher m = ITERATION.matcher(p.getFileName().toString());
        if (m.matches() && Files.isDirectory(p.resolve(RunLayout.CHECKPOINT))) {
          best = Math.max(best, Integer.parseInt(m.group(1)));
        }
      }
    }
    return best;
  }

  /** Deletes what a crash left uncommitted in iteration {@code k}: temporary dirs, unmarked stage outputs. */
  public void cleanUncommitted(int k) throws IOException {
    Path iter = RunLayout.iteration(dir, k);
    if (Files.isDirectory(iter)) {
      try (Stream<Path> s = Files.list(iter)) {
        for (Path p : s.toList()) {
          String name = p.getFileName().toString();
          boolean stage = List.of(RunLayout.ROLLOUTS, RunLayout.REWARDED, RunLayout.SCORED, RunLayout.EXAMPLES, RunLayout.REJECTED)
              .contains(name);
          if (name.endsWith(".tmp") || (stage && !StageOutput.isCommitted(p))) {
            AtomicFiles.deleteRecursively(p);
          }
        }
      }
    }
    Path next = RunLayout.iteration(dir, k + 1);
    if (Files.isDirectory(next)) {
      try (Stream<Path> s = Files.list(next)) {
        for (Path p : s.toList()) {
          if (p.getFileName().toString().endsWith(".tmp")) {
            AtomicFiles.deleteRecursively(p);
          }
        }
      }
    }
  }

  /** Names the newest committed iteration, written last. */
  public void writeLatest(int k) throws IOException {
    AtomicFiles.writeString(dir.resolve(LATEST), RunLayout.iterationName(k) + "\n");
  }

  /**
   * Replaces iteration {@code k}'s line of {@code phase} in metrics.jsonl (or adds it):
   * idempotent, so a step re-run after a crash does not duplicate its line. Lines are matched by
   * their parsed {@code iteration} and {@code phase}, wherever the keys stand in the line.
   */
  public void putMetrics(int k, String phase, String jsonLine) throws IOException {
    Path file = dir.resolve(METRICS);
    List<String> lines = new ArrayList<>();
    for (String l : metricLines(file)) {
      if (!isLine(l, k, phase)) {
        lines.add(l);
      }
    }
    lines.add(jsonLine);
    AtomicFiles.writeString(file, String.join("\n", lines) + "\n");
  }

  /**
   * {@link #putMetrics(int, String, String)} of a line made of {@code iteration}, {@code phase}
   * and {@code fields}, written with sorted keys (every line of metrics.jsonl is written here).
   */
  public void putMetrics(int k, String phase, Map<String, ?> fields) throws IOException {
    Map<String, Object> line = new TreeMap<>(fields);
    line.put("iteration", k);
    line.put("phase", phase);
    putMetrics(k, phase, JSON.writeValueAsString(line));
  }

  /** Whether metrics.jsonl has iteration {@code k}'s line of {@code phase}. */
  public boolean hasMetrics(int k, String phase) throws IOException {
    return metricLines(dir.resolve(METRICS)).stream().anyMatch(l -> isLine(l, k, phase));
  }

  private static List<String> metricLines(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
  }

  private static boolean isLine(String line, int k, String phase) {
    try {
      JsonNode n = JSON.readTree(line);
      return n.path("iteration").asInt(-1) == k && phase.equals(n.path("phase").asText());
    } catch (IOException e) {
      return false;
    }
  }

  /** The lines of {@code runDir}'s metrics.jsonl, parsed, in file order; none when it has no such file. */
  public static List<JsonNode> metricRows(Path runDir) throws IOException {
    Path file = runDir.resolve(METRICS);
    List<JsonNode> rows = new ArrayList<>();
    if (Files.exists(file)) {
      for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!l.isBlank()) {
          rows.add(JSON.readTree(l));
        }
      }
    }
    return rows;
  }

  /** Keeps the last {@code keepLast} checkpoints and every {@code keepEvery}-th; iteration 0 always stays. */
  public void applyRetention(int latest, int keepLast, int keepEvery) throws IOException {
    if (keepLast <= 0) {
      return;
    }
    for (int k = 1; k <= latest - keepLast; k++) {
      if (keepEvery > 0 && k % keepEvery == 0) {
        continue;
      }
      AtomicFiles.deleteRecursively(RunLayout.checkpoint(dir, k));
    }
  }
}
