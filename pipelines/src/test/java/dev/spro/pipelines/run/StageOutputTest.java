package dev.spro.pipelines.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.models.io.AtomicFiles;
import dev.spro.pipelines.flink.FlinkOptions;
import dev.spro.schemas.RejectedRow;
import dev.spro.schemas.io.AvroFiles;
import dev.spro.transforms.stages.RunLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A committed stage on the Flink runner: the records that come out of {@link StageOutput#commit}
 * are the ones that went in, read back from files its marker lists with their hashes; an empty
 * stage is committed too; a record lands in the same file on every run; an edited file is refused.
 */
class StageOutputTest {
  @TempDir Path tmp;

  static List<RejectedRow> rows(int n) {
    List<RejectedRow> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(RejectedRow.newBuilder().setFile("data.jsonl").setRow(i + 1).setField("prompt").setReason("row " + i).build());
    }
    return rows;
  }

  /** Commits {@code rows} to {@code dir} in {@code shards} files on an embedded Flink cluster; the records after the commit must be {@code rows}. */
  static void commitOnFlink(List<RejectedRow> rows, Path dir, int shards) {
    Pipeline p = Pipeline.create(FlinkOptions.forJob(FlinkOptions.LOCAL, 2, "stage-output-test", false));
    PCollection<RejectedRow> in = p.apply(Create.of(rows).withCoder(AvroCoder.of(RejectedRow.class)));
    PCollection<RejectedRow> committed = StageOutput.commit(in, RejectedRow.class, dir, shards, "Rows");
    PAssert.that(committed).containsInAnyOrder(rows);
    p.run().waitUntilFinish();
  }

  static Map<String, Set<RejectedRow>> byFile(Path dir) throws Exception {
    Map<String, Set<RejectedRow>> files = new TreeMap<>();
    for (Path f : StageOutput.committedFiles(dir)) {
      files.put(f.getFileName().toString(), new HashSet<>(AvroFiles.read(f, RejectedRow.class)));
    }
    return files;
  }

  @Test
  void theCommittedRecordsAreTheInputInFilesTheMarkerListsWithTheirHashes() throws Exception {
    Path dir = tmp.resolve("iter-000001/rejected");
    List<RejectedRow> rows = rows(40);
    commitOnFlink(rows, dir, 3);

    List<String> marker = Files.readAllLines(dir.resolve(RunLayout.COMMITTED));
    assertEquals(3, marker.size(), "40 records over 3 shards: a file each\n" + marker);
    List<RejectedRow> all = new ArrayList<>();
    for (String line : marker) {
      String[] hashAndName = line.split("  ", 2);
      assertTrue(hashAndName[1].matches("part-0000[0-2]-of-00003\\.avro"), line);
      assertEquals(AtomicFiles.sha256(dir.resolve(hashAndName[1])), hashAndName[0], line);
      all.addAll(AvroFiles.read(dir.resolve(hashAndName[1]), RejectedRow.class));
    }
    assertEquals(new HashSet<>(rows), new HashSet<>(all));
    assertEquals(rows.size(), all.size(), "each record once");
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(4, s.count(), "three files and the marker, no temporary file left");
    }
  }

  @Test
  void anEmptyStageIsCommittedAndReadsAsEmpty() throws Exception {
    Path dir = tmp.resolve("empty");
    commitOnFlink(List.of(), dir, 2);
    assertTrue(StageOutput.isCommitted(dir), "an empty stage has its marker: resume must not recompute it");
    assertEquals(List.of(), StageOutput.committedFiles(dir));

    Pipeline p = Pipeline.create(FlinkOptions.forJob(FlinkOptions.LOCAL, 2, "stage-output-read", false));
    PAssert.that(StageOutput.read(p, RejectedRow.class, dir, "Rows")).empty();
    p.run().waitUntilFinish();
  }

  @Test
  void aRecordLandsInTheSameFileOnEveryRunAndReadGivesTheSameRecords() throws Exception {
    List<RejectedRow> rows = rows(25);
    commitOnFlink(rows, tmp.resolve("a"), 2);
    commitOnFlink(rows, tmp.resolve("b"), 2);
    assertEquals(byFile(tmp.resolve("a")), byFile(tmp.resolve("b")));

    Pipeline p = Pipeline.create(FlinkOptions.forJob(FlinkOptions.LOCAL, 2, "stage-output-read", false));
    PAssert.that(StageOutput.read(p, RejectedRow.class, tmp.resolve("a"), "Rows")).containsInAnyOrder(rows);
    p.run().waitUntilFinish();
  }

  @Test
  void aFileEditedAfterTheCommitIsRefusedNamingIt() throws Exception {
    Path dir = tmp.resolve("edited");
    commitOnFlink(rows(10), dir, 1);
    Path file = dir.resolve("part-00000-of-00001.avro");
    AvroFiles.write(file, RejectedRow.getClassSchema(), rows(9));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> StageOutput.committedFiles(dir));
    assertTrue(e.getMessage().contains("part-00000-of-00001.avro") && e.getMessage().contains("changed after it was committed"),
        e.getMessage());
  }
}
