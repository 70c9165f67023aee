package dev.spro.transforms.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.schemas.ChatMessage;
import dev.spro.schemas.Prompt;
import dev.spro.schemas.RejectedRow;
import dev.spro.schemas.io.ParquetFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptDataTest {
  @TempDir Path dir;

  @Test
  void gsm8kConverterOnTheRealFiles() {
    Gsm8k.Converted train = Gsm8k.convert(SharedData.gsm8k("train.jsonl"), "train");
    Gsm8k.Converted test = Gsm8k.convert(SharedData.gsm8k("test.jsonl"), "test");
    assertEquals(7473, train.prompts().size());
    assertEquals(1319, test.prompts().size());
    assertEquals(List.of(), train.rejected());
    assertEquals(List.of(), test.rejected());
    Prompt first = train.prompts().get(0);
    assertEquals("openai/gsm8k", first.getDataSource());
    assertEquals("72", first.getGroundTruth()); // Natalia's clips
    assertTrue(first.getMessages().get(0).getContent().endsWith(Gsm8k.INSTRUCTION));
    assertEquals("train", first.getExtraInfo().get("split"));
    // Commas are removed from ground truths ("#### 1,600" -> 1600).
    assertTrue(train.prompts().stream().noneMatch(p -> p.getGroundTruth().contains(",")));
  }

  /** verl rows written to Parquet read back as the same prompts (ids and origins are the file's). */
  @Test
  void verlParquetRoundTripOfTheRealTestSet() {
    List<Prompt> prompts = Gsm8k.convert(SharedData.gsm8k("test.jsonl"), "test").prompts();
    Path file = dir.resolve("test.parquet");
    PromptWriter.writeParquet(file, prompts);
    PromptFiles.Result back = PromptFiles.read(file);
    assertEquals(List.of(), back.rejected());
    assertEquals(prompts.size(), back.prompts().size());
    for (int i = 0; i < prompts.size(); i++) {
      Prompt a = prompts.get(i);
      Prompt b = back.prompts().get(i);
      assertEquals(a.getDataSource(), b.getDataSource());
      assertEquals(a.getMessages(), b.getMessages());
      assertEquals(a.getGroundTruth(), b.getGroundTruth());
      assertEquals(a.getAbility(), b.getAbility());
      assertEquals(a.getRewardStyle(), b.getRewardStyle());
      assertEquals(a.getExtraInfo(), b.getExtraInfo());
      assertEquals(PromptIds.of(file.toString(), i + 1), b.getId());
      assertEquals(file + ":" + (i + 1), b.getOrigin());
    }
  }

  /** A file as pandas/pyarrow would write it: extra_info a struct, ground truth a number, no ability. */
  @Test
  void acceptsTheVariationsRealFilesHave() {
    Schema msg = SchemaBuilder.record("element").fields().requiredString("content").requiredString("role").endRecord();
    Schema rm = SchemaBuilder.record("reward_model").fields().requiredLong("ground_truth").requiredString("style").endRecord();
    Schema extra = SchemaBuilder.record("extra_info").fields().requiredString("split").requiredLong("index").endRecord();
    Schema schema = SchemaBuilder.record("row").fields().requiredString("data_source")
        .name("prompt").type().array().items(msg).noDefault()
        .name("reward_model").type(rm).noDefault()
        .name("extra_info").type(extra).noDefault().endRecord();
    GenericRecord m = new GenericData.Record(msg);
    m.put("content", "What is 6*7?");
    m.put("role", "user");
    GenericRecord r = new GenericData.Record(rm);
    r.put("ground_truth", 42L);
    r.put("style", "rule");
    GenericRecord e = new GenericData.Record(extra);
    e.put("split", "test");
    e.put("index", 7L);
    GenericRecord row = new GenericData.Record(schema);
    row.put("data_source", "my_source");
    row.put("prompt", List.of(m));
    row.put("reward_model", r);
    row.put("extra_info", e);
    Path file = dir.resolve("pandas.parquet");
    ParquetFiles.writeGeneric(file, schema, List.of(row));
    Prompt p = PromptFiles.read(file).prompts().get(0);
    assertEquals("42", p.getGroundTruth());
    assertEquals(Map.of("split", "test", "index", "7"), p.getExtraInfo());
    assertEquals("", p.getAbility());
  }

  @Test
  void aMissingOrMistypedColumnFailsBeforeTheRunNamingFileAndColumn() {
    Schema noPrompt = SchemaBuilder.record("row").fields().requiredString("data_source").endRecord();
    GenericRecord row = new GenericData.Record(noPrompt);
    row.put("data_source", "x");
    Path file = dir.resolve("missing.parquet");
    ParquetFiles.writeGeneric(file, noPrompt, List.of(row));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptFiles.read(file));
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("column 'prompt' is missing"), e.getMessage());

    Schema mistyped = SchemaBuilder.record("row").fields().requiredLong("data_source").endRecord();
    GenericRecord r2 = new GenericData.Record(mistyped);
    r2.put("data_source", 3L);
    Path file2 = dir.resolve("mistyped.parquet");
    ParquetFiles.writeGeneric(file2, mistyped, List.of(r2));
    e = assertThrows(IllegalArgumentException.class, () -> PromptFiles.read(file2));
    assertTrue(e.getMessage().contains("column 'data_source' has type long, expected string"), e.getMessage());
  }

  @Test
  void badJsonlRowsAreQuarantinedWithLineAndFieldAndNothingElseIsLost() throws IOException {
    Path file = dir.resolve("mixed.jsonl");
    String good = "{\"data_source\": \"gsm8k\", \"prompt\": [{\"role\": \"user\", \"content\": \"1+1?\"}], "
        + "\"reward_model\": {\"style\": \"rule\", \"ground_truth\": \"2\"}}";
    Files.writeString(file, String.join("\n",
        good,
        "this is not json",
        "{\"data_source\": \"gsm8k\", \"prompt\": [], \"reward_model\": {\"ground_truth\": \"2\"}}",
        "",
        "{\"data_source\": \"gsm8k\", \"prompt\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
        "{\"prompt\": [{\"role\": \"user\", \"content\": \"hi\"}], \"reward_model\": {\"ground_truth\": \"2\"}}",
        good));
    PromptFiles.Result r = PromptFiles.read(file);
    assertEquals(2, r.prompts().size());
    assertEquals(List.of(1L, 7L), r.prompts().stream().map(p -> Long.parseLong(p.getOrigin().replaceAll(".*:", ""))).toList());
    List<RejectedRow> bad = r.rejected();
    assertEquals(4, bad.size());
    assertEquals(2, bad.get(0).getRow());
    assertTrue(bad.get(0).getReason().startsWith("not a JSON object"));
    assertEquals("prompt", bad.get(1).getField());
    assertTrue(bad.get(1).getReason().contains("empty"));
    assertEquals("reward_model", bad.get(2).getField());
    assertEquals(5, bad.get(2).getRow());
    assertEquals("data_source", bad.get(3).getField());
    assertEquals(file.toString(), bad.get(3).getFile());
  }

  @Test
  void promptIdsAreStable() {
    assertEquals("train-000042", PromptIds.of("/data/train.parquet", 42));
    assertEquals(PromptIds.of("a/b/test.jsonl", 3), PromptIds.of("test.jsonl", 3));
    Prompt p = Prompt.newBuilder().setId("x").setDataSource("d").setMessages(List.of(new ChatMessage("user", "q")))
        .setGroundTruth("1").build();
    assertEquals("d", VerlRow.fromPrompt(p).get("data_source"));
  }
}
