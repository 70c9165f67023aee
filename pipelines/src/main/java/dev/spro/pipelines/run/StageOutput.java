package dev.spro.pipelines.run;

import dev.spro.models.io.AtomicFiles;
import dev.spro.schemas.io.AvroFiles;
import dev.spro.transforms.stages.RunLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.avro.specific.SpecificRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * A stage's output committed to the run directory: Avro files, each written to a temporary name
 * and renamed, then a {@code _COMMITTED} marker listing every file with its sha256, itself written
 * to a temporary name and renamed. A reader trusts a stage directory only if its marker exists, so
 * a crash at any moment leaves either a committed output or one that the next run deletes and
 * recomputes.
 *
 * <p>The commit is two shuffles: the records grouped into their shards (each shard's task writes
 * its file and says its hash), then the shards' hashes grouped into the marker. The next stage
 * reads the files the marker lists — the same records, read the way a resumed run reads them — so
 * it depends on the commit through its data, with no side input or {@code Wait.on} barrier between
 * them. (Beam's {@code WriteFiles} with a marker and a barrier was about 20 Flink vertices per
 * commit and a third of an iteration's wall time at the default config: bench/results/overhead.md.)
 */
public final class StageOutput {
  private StageOutput() {}

  /**
   * Writes {@code records} to {@code dir} in {@code shards} files and commits it; returns the
   * committed records, read back from the files the marker lists, so the next stage starts on
   * committed input (and a crash in the next stage resumes from this one).
   */
  public static <T extends SpecificRecord> PCollection<T> commit(PCollection<T> records, Class<T> type, Path dir,
      int shards, String name) {
    String where = dir.toString();
    PCollection<KV<String, String>> files = records
        .apply("Shard" + name, ParDo.of(new ShardFn<T>(shards)))
        .setCoder(KvCoder.of(VarIntCoder.of(), AvroCoder.of(type)))
        .apply("GroupShards" + name, GroupByKey.create())
        .apply("Write" + name, ParDo.of(new WriteShardFn<T>(type, where, shards)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
    // one element even when the stage is empty, so an empty stage is committed too
    PCollection<KV<String, String>> always = records.getPipeline()
        .apply("Always" + name, Create.of(KV.of(where, "")).withCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of())));
    return PCollectionList.of(files).and(always)
        .apply("AllShards" + name, Flatten.pCollections())
        .apply("GroupFiles" + name, GroupByKey.create())
        .apply("Commit" + name, ParDo.of(new MarkerFn()))
        .setCoder(StringUtf8Coder.of())
        .apply("Read" + name, ParDo.of(new ReadFileFn<>(type)))
        .setCoder(AvroCoder.of(type));
  }

  /**
   * The records of a committed stage directory: exactly the files its marker lists, each checked
   * against its sha256 before the pipeline is built (a stray or edited file is never read).
   */
  public static <T extends SpecificRecord> PCollection<T> read(Pipeline p, Class<T> type, Path dir, String name) {
    List<String> files = committed(dir).stream().map(CommittedFile::line).toList();
    // the files by name, not through a file pattern: '[' or '*' in a run directory's path stay literal
    return p.apply("Files" + name, Create.of(files).withCoder(StringUtf8Coder.of()))
        .apply("Read" + name, ParDo.of(new ReadFileFn<>(type)))
        .setCoder(AvroCoder.of(type));
  }

  /**
   * The files listed in {@code dir}'s {@code _COMMITTED} marker, in its order, after checking each
   * against its recorded sha256; a missing or changed file stops with its name and what to do.
   */
  public static List<Path> committedFiles(Path dir) {
    return committed(dir).stream().map(CommittedFile::file).toList();
  }

  /**
   * A file of a committed stage and the sha256 its marker records. The one reader and writer of
   * the marker's line format, {@code SHA256  FILE}: the marker names files in its directory
   * ({@link #markerLine}); between a commit and the next stage a line names the file by its path
   * ({@link #line}, what {@link ReadFileFn} reads).
   */
  private record CommittedFile(String sha256, Path file) {
    /** The file of {@code line}, a name resolved against {@code dir} (a path stays as it is); null if not that form. */
    static CommittedFile of(String line, Path dir) {
      String[] hashAndName = line.split("  ", 2);
      return hashAndName.length == 2 ? new CommittedFile(hashAndName[0], dir.resolve(hashAndName[1])) : null;
    }

    String line() {
      return sha256 + "  " + file;
    }

    String markerLine() {
      return sha256 + "  " + file.getFileName();
    }
  }

  private static List<CommittedFile> committed(Path dir) {
    List<CommittedFile> files = markerLines(dir);
    for (CommittedFile f : files) {
      if (!Files.isRegularFile(f.file())) {
        throw new IllegalStateException("committed stage " + dir + ": " + f.file().getFileName() + " is missing" + RECOMPUTE);
      }
      checkHash(f.file(), f.sha256(), dir);
    }
    return files;
  }

  /** The files the marker lists, each line checked for the form {@code SHA256  FILE}. */
  private static List<CommittedFile> markerLines(Path dir) {
    Path marker = dir.resolve(RunLayout.COMMITTED);
    List<CommittedFile> files = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(marker)) {
        if (line.isBlank()) {
          continue;
        }
        CommittedFile f = CommittedFile.of(line, dir);
        if (f == null) {
          throw new IllegalStateException(marker + ": line '" + line + "' is not 'SHA256  FILE'" + RECOMPUTE);
        }
        files.add(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the commit marker of " + dir + ": " + e.getMessage(), e);
    }
    return files;
  }

  private static void checkHash(Path file, String expected, Path dir) {
    String sha;
    try {
      sha = AtomicFiles.sha256(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read committed file " + file + ": " + e.getMessage(), e);
    }
    if (!sha.equals(expected)) {
      throw new IllegalStateException("committed stage " + dir + ": " + file.getFileName() + " has sha256 " + sha
          + ", its marker records " + expected + "; the file changed after it was committed" + RECOMPUTE);
    }
  }

  private static final String RECOMPUTE = ". Restore it, or delete the stage directory's " + RunLayout.COMMITTED
      + " marker to recompute the stage on resume (or spro resume DIR --from-iteration K)";

  public static boolean isCommitted(Path dir) {
    return Files.exists(dir.resolve(RunLayout.COMMITTED));
  }

  /** Beam namespace of the commits: {@value #COMMIT_MICROS}, the time each commit took (writing, hashing, the marker). */
  public static final String METRICS_NAMESPACE = "spro.io";
  public static final String COMMIT_MICROS = "commit_micros";

  /** The name of shard {@code shard} of {@code shards}: {@code part-00001-of-00002.avro}, as Beam's file sinks name them. */
  static String shardName(int shard, int shards) {
    return String.format(Locale.ROOT, "part-%05d-of-%05d.avro", shard, shards);
  }

  /** Keys each record by its shard: its content's hash, so a record lands in the same file on every run. */
  static final class ShardFn<T extends SpecificRecord> extends DoFn<T, KV<Integer, T>> {
    private final int shards;

    ShardFn(int shards) {
      this.shards = shards;
    }

    @ProcessElement
    public void process(@Element T record, OutputReceiver<KV<Integer, T>> out) {
      out.output(KV.of(Math.floorMod(record.hashCode(), shards), record));
    }
  }

  /** Writes one shard's file atomically; outputs (stage directory, its marker line). */
  static final class WriteShardFn<T extends SpecificRecord> extends DoFn<KV<Integer, Iterable<T>>, KV<String, String>> {
    private final Class<T> type;
    private final String dir;
    private final int shards;
    private final Distribution commitMicros = Metrics.distribution(METRICS_NAMESPACE, COMMIT_MICROS);

    WriteShardFn(Class<T> type, String dir, int shards) {
      this.type = type;
      this.dir = dir;
      this.shards = shards;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<T>> shard, OutputReceiver<KV<String, String>> out)
        throws IOException {
      long start = System.nanoTime();
      String name = shardName(shard.getKey(), shards);
      Path file = Path.of(dir).resolve(name);
      Files.createDirectories(file.getParent());
      AtomicFiles.write(file, stream -> AvroFiles.write(stream, type, shard.getValue()));
      out.output(KV.of(dir, new CommittedFile(AtomicFiles.sha256(file), file).markerLine()));
      commitMicros.update((System.nanoTime() - start) / 1000);
    }
  }

  /** Writes the marker from every shard's line; outputs each committed file as {@code SHA256  PATH}. */
  static final class MarkerFn extends DoFn<KV<String, Iterable<String>>, String> {
    private final Distribution commitMicros = Metrics.distribution(METRICS_NAMESPACE, COMMIT_MICROS);

    @ProcessElement
    public void process(@Element KV<String, Iterable<String>> stage, OutputReceiver<String> out) throws IOException {
      long start = System.nanoTime();
      Path dir = Path.of(stage.getKey());
      List<CommittedFile> files = new ArrayList<>();
      stage.getValue().forEach(line -> {
        if (!line.isEmpty()) {
          files.add(CommittedFile.of(line, dir));
        }
      });
      files.sort(Comparator.comparing(CommittedFile::file));
      Files.createDirectories(dir);
      AtomicFiles.writeString(dir.resolve(RunLayout.COMMITTED),
          String.join("\n", files.stream().map(CommittedFile::markerLine).toList()) + "\n");
      commitMicros.update((System.nanoTime() - start) / 1000);
      files.forEach(f -> out.output(f.line()));
    }
  }

  /** The records of one committed Avro file ({@code SHA256  PATH}), checked against its hash first (stage files are a few MB: read whole). */
  static final class ReadFileFn<T extends SpecificRecord> extends DoFn<String, T> {
    private final Class<T> type;

    ReadFileFn(Class<T> type) {
      this.type = type;
    }

    @ProcessElement
    public void process(@Element String line, OutputReceiver<T> out) {
      CommittedFile f = CommittedFile.of(line, Path.of(""));
      checkHash(f.file(), f.sha256(), f.file().getParent());
      AvroFiles.read(f.file(), type).forEach(out::output);
    }
  }
}
