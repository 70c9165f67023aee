package dev.spro.pipelines.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.models.io.AtomicFiles;
import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.transforms.stages.RunLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
  /** What {@code resume --from-iteration} moved aside, one directory per use. */
  public static final String DISCARDED = "discarded";
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
          // the gradient step's scratch files are recomputed with the step (from committed examples)
          if (name.endsWith(".tmp") || name.equals(RunLayout.GRADIENT_SCRATCH) || (stage && !StageOutput.isCommitted(p))) {
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

  /**
   * Moves iteration {@code k}'s stage outputs, every later iteration and their metrics lines to a
   * new {@code discarded/<time>/} directory (nothing is deleted), keeping iteration {@code k}'s
   * checkpoint, which must exist and match its manifest; returns that directory.
   */
  public Path discardFrom(int k) throws IOException {
    Path checkpoint = RunLayout.checkpoint(dir, k);
    if (!Files.isDirectory(checkpoint)) {
      throw new IllegalArgumentException("--from-iteration " + k + ": " + checkpoint + " does not exist (the newest "
          + "checkpoint is iteration " + lastCheckpoint() + "; retention may have removed older ones)");
    }
    CheckpointIntegrity.verify(checkpoint);
    Path aside = dir.resolve(DISCARDED).resolve(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS", Locale.ROOT)
        .withZone(ZoneOffset.UTC).format(Instant.now()));
    Files.createDirectories(aside);
    try (Stream<Path> s = Files.list(RunLayout.iteration(dir, k))) {
      for (Path p : s.toList()) {
        if (!p.getFileName().toString().equals(RunLayout.CHECKPOINT)) {
          Path to = aside.resolve(RunLayout.iterationName(k)).resolve(p.getFileName());
          Files.createDirectories(to.getParent());
          Files.move(p, to);
        }
      }
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.sorted().toList()) {
        Matcher m = ITERATION.matcher(p.getFileName().toString());
        if (m.matches() && Integer.parseInt(m.group(1)) > k) {
          Files.move(p, aside.resolve(p.getFileName()));
        }
      }
    }
    Path file = dir.resolve(METRICS);
    List<String> kept = new ArrayList<>();
    List<String> moved = new ArrayList<>();
    for (String line : metricLines(file)) {
      JsonNode n = parsed(line);
      if (n == null) {
        moved.add(line); // damaged: kept with what was moved aside, never dropped
        continue;
      }
      int it = n.path("iteration").asInt(-1);
      String phase = n.path("phase").asText();
      // an eval line of iteration k measured checkpoint k, which stays; a train line of k made checkpoint k+1
      boolean later = phase.equals("eval") ? it > k : phase.equals("train") && it >= k;
      (later ? moved : kept).add(line);
    }
    AtomicFiles.writeString(aside.resolve(METRICS), asLines(moved));
    AtomicFiles.writeString(file, asLines(kept));
    writeLatest(k);
    return aside;
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
    List<String> lines = new ArrayList<>(setAsideDamaged(metricLines(dir.resolve(METRICS))));
    lines.removeIf(l -> isLine(l, k, phase));
    lines.add(jsonLine);
    AtomicFiles.writeString(dir.resolve(METRICS), asLines(lines));
  }

  /**
   * Moves every line of metrics.jsonl that is not a JSON object (a hand edit, a foreign writer)
   * to {@code metrics.jsonl.damaged}: such a line would break every reader. The iterations' own
   * lines are then rebuilt from what they committed ({@link IterationMetrics#repair}).
   */
  public void setAsideDamagedMetrics() throws IOException {
    List<String> all = metricLines(dir.resolve(METRICS));
    List<String> intact = setAsideDamaged(all);
    if (intact.size() != all.size()) {
      AtomicFiles.writeString(dir.resolve(METRICS), asLines(intact));
    }
  }

  /** The {@code lines} that parse; the others are appended to metrics.jsonl.damaged. */
  private List<String> setAsideDamaged(List<String> lines) throws IOException {
    List<String> intact = new ArrayList<>();
    List<String> damaged = new ArrayList<>();
    for (String l : lines) {
      (parsed(l) == null ? damaged : intact).add(l);
    }
    if (!damaged.isEmpty()) {
      Files.write(dir.resolve(METRICS + ".damaged"), damaged, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
    return intact;
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

  /** Lines as a file's content: each ends with a newline; none is the empty file. */
  private static String asLines(List<String> lines) {
    return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
  }

  private static List<String> metricLines(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
  }

  private static boolean isLine(String line, int k, String phase) {
    JsonNode n = parsed(line);
    return n != null && n.path("iteration").asInt(-1) == k && phase.equals(n.path("phase").asText());
  }

  /** The line as a JSON object, or null when it is not one. */
  private static JsonNode parsed(String line) {
    try {
      JsonNode n = JSON.readTree(line);
      return n != null && n.isObject() ? n : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** The lines of {@code runDir}'s metrics.jsonl, parsed, in file order; none when it has no such file. */
  public static List<JsonNode> metricRows(Path runDir) throws IOException {
    Path file = runDir.resolve(METRICS);
    List<JsonNode> rows = new ArrayList<>();
    if (Files.exists(file)) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).isBlank()) {
          continue;
        }
        JsonNode n = parsed(lines.get(i));
        if (n == null) {
          throw new IllegalStateException(file + ":" + (i + 1) + ": not a JSON object ('"
              + (lines.get(i).length() > 60 ? lines.get(i).substring(0, 60) + "..." : lines.get(i))
              + "'); `spro resume " + runDir + "` moves it to " + METRICS + ".damaged and rebuilds the iterations' lines");
        }
        rows.add(n);
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
