package dev.spro.pipelines.run;

import dev.spro.models.io.AtomicFiles;
import dev.spro.schemas.io.AvroFiles;
import dev.spro.transforms.stages.RunLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.extensions.avro.io.AvroIO;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * A stage's output committed to the run directory: Avro files written by Beam's file sink (which
 * itself writes to temporary files and renames them), then a {@code _COMMITTED} marker listing
 * every file with its sha256, itself written to a temporary name and renamed. A reader trusts a
 * stage directory only if its marker exists, so a crash at any moment leaves either a committed
 * output or one that the next run deletes and recomputes.
 */
public final class StageOutput {
  private StageOutput() {}

  /**
   * Writes {@code records} to {@code dir} and commits it; returns {@code records} held back until
   * the commit is done, so the next stage starts on committed input (and a crash in the next
   * stage resumes from this one).
   */
  public static <T extends SpecificRecord> PCollection<T> commit(PCollection<T> records, Class<T> type, Path dir,
      int shards, String name) {
    WriteFilesResult<Void> written = records.apply("Write" + name,
        AvroIO.write(type).to(dir.resolve("part").toString()).withSuffix(".avro").withNumShards(shards)
            .withOutputFilenames());
    PCollectionView<Iterable<String>> files = written.getPerDestinationOutputFilenames()
        .apply("Files" + name, Values.create())
        .apply("FileList" + name, View.asIterable());
    PCollection<String> marker = records.getPipeline()
        .apply("Once" + name, Create.of(dir.toString()))
        .apply("Commit" + name, ParDo.of(new MarkerFn(files)).withSideInputs(files));
    return records.apply("AfterCommit" + name, Wait.on(marker));
  }

  /**
   * The records of a committed stage directory: exactly the files its marker lists, each checked
   * against its sha256 before the pipeline is built (a stray or edited file is never read).
   */
  public static <T extends SpecificRecord> PCollection<T> read(Pipeline p, Class<T> type, Path dir, String name) {
    List<String> files = committedFiles(dir).stream().map(Path::toString).toList();
    // the files by name, not through a file pattern: '[' or '*' in a run directory's path stay literal
    return p.apply("Files" + name, Create.of(files).withCoder(StringUtf8Coder.of()))
        .apply("Read" + name, ParDo.of(new ReadFileFn<>(type)))
        .setCoder(AvroCoder.of(type));
  }

  /** The records of one committed Avro file (stage files are a few MB: read whole). */
  static final class ReadFileFn<T extends SpecificRecord> extends DoFn<String, T> {
    private final Class<T> type;

    ReadFileFn(Class<T> type) {
      this.type = type;
    }

    @ProcessElement
    public void process(@Element String file, OutputReceiver<T> out) {
      AvroFiles.read(Path.of(file), type).forEach(out::output);
    }
  }

  /**
   * The files listed in {@code dir}'s {@code _COMMITTED} marker, in its order, after checking each
   * against its recorded sha256; a missing or changed file stops with its name and what to do.
   */
  public static List<Path> committedFiles(Path dir) {
    Path marker = dir.resolve(RunLayout.COMMITTED);
    List<Path> files = new ArrayList<>();
    try {
      for (String line : java.nio.file.Files.readAllLines(marker)) {
        if (line.isBlank()) {
          continue;
        }
        String[] hashAndName = line.split("  ", 2);
        if (hashAndName.length != 2) {
          throw new IllegalStateException(marker + ": line '" + line + "' is not 'SHA256  FILE'" + RECOMPUTE);
        }
        Path file = dir.resolve(hashAndName[1]);
        if (!java.nio.file.Files.isRegularFile(file)) {
          throw new IllegalStateException("committed stage " + dir + ": " + hashAndName[1] + " is missing" + RECOMPUTE);
        }
        String sha = AtomicFiles.sha256(file);
        if (!sha.equals(hashAndName[0])) {
          throw new IllegalStateException("committed stage " + dir + ": " + hashAndName[1] + " has sha256 " + sha
              + ", its marker records " + hashAndName[0] + "; the file changed after it was committed" + RECOMPUTE);
        }
        files.add(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the commit marker of " + dir + ": " + e.getMessage(), e);
    }
    return files;
  }

  private static final String RECOMPUTE = ". Restore it, or delete the stage directory's " + RunLayout.COMMITTED
      + " marker to recompute the stage on resume (or spro resume DIR --from-iteration K)";

  public static boolean isCommitted(Path dir) {
    return java.nio.file.Files.exists(dir.resolve(RunLayout.COMMITTED));
  }

  /** Beam namespace of the commits: {@value #COMMIT_MICROS}, the time each commit took (hashing and the marker). */
  public static final String METRICS_NAMESPACE = "spro.io";
  public static final String COMMIT_MICROS = "commit_micros";

  static final class MarkerFn extends DoFn<String, String> {
    private final PCollectionView<Iterable<String>> files;
    private final Distribution commitMicros = Metrics.distribution(METRICS_NAMESPACE, COMMIT_MICROS);

    MarkerFn(PCollectionView<Iterable<String>> files) {
      this.files = files;
    }

    @ProcessElement
    public void process(ProcessContext c) throws IOException {
      long start = System.nanoTime();
      Path dir = Path.of(c.element());
      List<String> lines = new ArrayList<>();
      List<String> names = new ArrayList<>();
      c.sideInput(files).forEach(f -> names.add(Path.of(f).getFileName().toString()));
      java.util.Collections.sort(names);
      for (String n : names) {
        lines.add(AtomicFiles.sha256(dir.resolve(n)) + "  " + n);
      }
      AtomicFiles.writeString(dir.resolve(RunLayout.COMMITTED), String.join("\n", lines) + "\n");
      commitMicros.update((System.nanoTime() - start) / 1000);
      c.output(c.element());
    }
  }
}
