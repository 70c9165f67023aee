package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.pipelines.config.RunConfig;
import dev.spro.schemas.RejectedRow;
import dev.spro.schemas.Rollout;
import dev.spro.schemas.io.ParquetFiles;
import dev.spro.transforms.stages.RunLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run on users' files with bad rows: each is counted and reported with its location, nothing else is lost. */
class BadInputRunTest {
  @TempDir Path tmp;

  static String row(String content, String truth) {
    return "{\"data_source\": \"spro/arithmetic\", \"prompt\": [{\"role\": \"user\", \"content\": \"" + content
        + "\"}], \"reward_model\": {\"style\": \"rule\", \"ground_truth\": \"" + truth + "\"}}";
  }

  RunConfig filesConfig(Path data, int batch) {
    RunConfig c = Runs.tiny();
    c.run.iterations = 1;
    c.data.task = null;
    c.data.files = data.toString();
    c.data.batchSize = batch;
    c.flink.master = "direct";
    return c;
  }

  @Test
  void badRowsAreQuarantinedWithTheirLocationAndTheRestTrains() throws Exception {
    Path data = tmp.resolve("prompts.jsonl");
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      lines.add(row(i + "+" + i + "=", Integer.toString(2 * i)));
    }
    lines.add("this line is not JSON");                              // line 7
    lines.add(row("", "0"));                                          // line 8: empty prompt
    lines.add(row("1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1=", "21")); // line 9: longer than the context allows
    Files.write(data, lines);
    RunConfig c = filesConfig(data, 7); // the 6 good rows and the too-long one
    Path run = tmp.resolve("run");
    String printed = Runs.train(c, run);
    assertTrue(printed.contains("2 rows of " + data + " cannot be used"), printed);
    List<RejectedRow> rejected = new ArrayList<>();
    for (Path f : Files.list(RunLayout.stage(run, 0, "rejected")).filter(f -> f.toString().endsWith(".avro")).toList()) {
      rejected.addAll(dev.spro.schemas.io.AvroFiles.read(f, RejectedRow.class));
    }
    Set<String> where = new HashSet<>();
    rejected.forEach(r -> where.add(Path.of(r.getFile()).getFileName() + ":" + r.getRow() + ":" + r.getField()));
    assertEquals(Set.of("prompts.jsonl:7:", "prompts.jsonl:8:prompt", "prompts.jsonl:9:prompt"), where);
    assertTrue(rejected.stream().anyMatch(r -> r.getReason().contains("exceeds the model's context")));
    List<Rollout> rollouts = TrainingRunTest.records(RunLayout.stage(run, 0, RunLayout.ROLLOUTS), Rollout.class);
    assertEquals(6 * c.sampling.samplesPerPrompt, rollouts.size(), "every good row is sampled");
    assertTrue(Files.exists(RunLayout.checkpoint(run, 1).resolve("model.safetensors")));
  }

  @Test
  void failOnBadRowsTurnsThemIntoAClearFailure() throws Exception {
    Path data = tmp.resolve("prompts.jsonl");
    Files.write(data, List.of(row("1+2=", "3"), "{ broken", row("2+2=", "4")));
    RunConfig c = filesConfig(data, 2);
    c.data.failOnBadRows = true;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Runs.train(c, tmp.resolve("run")));
    assertTrue(e.getMessage().contains(data + ":2") && e.getMessage().contains("failOnBadRows"), e.getMessage());
  }

  @Test
  void aParquetFileWithAMissingColumnFailsNamingFileAndColumn() throws Exception {
    Schema schema = SchemaBuilder.record("row").fields().requiredString("data_source").requiredString("question").endRecord();
    GenericRecord r = new GenericData.Record(schema);
    r.put("data_source", "spro/arithmetic");
    r.put("question", "1+1=");
    Path data = tmp.resolve("train.parquet");
    ParquetFiles.writeGeneric(data, schema, List.of(r));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Runs.train(filesConfig(data, 1), tmp.resolve("run")));
    assertTrue(e.getMessage().contains(data.toString()) && e.getMessage().contains("column 'prompt' is missing"), e.getMessage());
  }
}
