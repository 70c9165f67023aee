package dev.spro.pipelines.run;

import dev.spro.models.io.AtomicFiles;
import dev.spro.transforms.stages.RunLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.extensions.avro.io.AvroIO;
import org.apache.beam.sdk.io.WriteFilesResult;
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

  /** The records of a committed stage directory. */
  public static <T extends SpecificRecord> PCollection<T> read(Pipeline p, Class<T> type, Path dir, String name) {
    return p.apply("Read" + name, AvroIO.read(type).from(dir.resolve("*.avro").toString()));
  }

  public static boolean isCommitted(Path dir) {
    return java.nio.file.Files.exists(dir.resolve(RunLayout.COMMITTED));
  }

  static final class MarkerFn extends DoFn<String, String> {
    private final PCollectionView<Iterable<String>> files;

    MarkerFn(PCollectionView<Iterable<String>> files) {
      this.files = files;
    }

    @ProcessElement
    public void process(ProcessContext c) throws IOException {
      Path dir = Path.of(c.element());
      List<String> lines = new ArrayList<>();
      List<String> names = new ArrayList<>();
      c.sideInput(files).forEach(f -> names.add(Path.of(f).getFileName().toString()));
      java.util.Collections.sort(names);
      for (String n : names) {
        lines.add(AtomicFiles.sha256(dir.resolve(n)) + "  " + n);
      }
      AtomicFiles.writeString(dir.resolve(RunLayout.COMMITTED), String.join("\n", lines) + "\n");
      c.output(c.element());
    }
  }
}
