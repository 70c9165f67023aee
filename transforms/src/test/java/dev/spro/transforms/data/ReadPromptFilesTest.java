package dev.spro.transforms.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spro.schemas.Prompt;
import dev.spro.schemas.RejectedRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Beam read: real GSM8K rows from Parquet plus a JSONL file with bad lines, in one pipeline. */
class ReadPromptFilesTest {
  @TempDir Path dir;

  @Test
  void readsParquetAndJsonlAndQuarantinesBadRows() throws IOException {
    List<Prompt> test = Gsm8k.convert(SharedData.gsm8k("test.jsonl"), "test").prompts();
    PromptWriter.writeParquet(dir.resolve("gsm8k.parquet"), test);
    Files.writeString(dir.resolve("extra.jsonl"),
        "{\"data_source\": \"gsm8k\", \"prompt\": [{\"role\": \"user\", \"content\": \"1+1?\"}], "
            + "\"reward_model\": {\"ground_truth\": \"2\"}}\nnot json\n");

    Pipeline p = Pipeline.create(PipelineOptionsFactory.create()); // the DirectRunner
    PCollectionTuple out = p.apply(ReadPromptFiles.from(dir.resolve("*").toString()));
    PAssert.thatSingleton(out.get(ReadPromptFiles.PROMPTS).apply(Count.globally())).isEqualTo(1320L);
    PAssert.that(out.get(ReadPromptFiles.REJECTED).apply(MapElements.into(TypeDescriptors.strings())
            .via((RejectedRow r) -> Path.of(r.getFile()).getFileName() + ":" + r.getRow())))
        .containsInAnyOrder("extra.jsonl:2");
    PAssert.that(out.get(ReadPromptFiles.PROMPTS).apply(MapElements.into(TypeDescriptors.strings())
            .via((Prompt pr) -> pr.getId())))
        .satisfies(ids -> {
          java.util.Set<String> set = new java.util.HashSet<>();
          ids.forEach(set::add);
          assertEquals(1320, set.size(), "ids are unique");
          assertEquals(true, set.contains("gsm8k-001319") && set.contains("extra-000001"));
          return null;
        });
    p.run().waitUntilFinish();
  }

  /** Beam's own ParquetIO reads the verl files we write, into the same prompts. */
  @Test
  void beamParquetIoReadsOurVerlFiles() {
    List<Prompt> test = Gsm8k.convert(SharedData.gsm8k("test.jsonl"), "test").prompts().subList(0, 50);
    Path file = dir.resolve("verl.parquet");
    PromptWriter.writeParquet(file, test);
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    var truths = p.apply(org.apache.beam.sdk.io.parquet.ParquetIO
            .parseGenericRecords((org.apache.avro.generic.GenericRecord r) -> {
              try {
                return VerlRow.toPrompt(r, "id", "parquetio").getGroundTruth();
              } catch (VerlRow.BadRow e) {
                throw new IllegalStateException(e);
              }
            })
            .withCoder(org.apache.beam.sdk.coders.StringUtf8Coder.of())
            .from(file.toString()));
    PAssert.that(truths).containsInAnyOrder(test.stream().map(Prompt::getGroundTruth).toList());
    p.run().waitUntilFinish();
  }
}
