package dev.spro.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.spro.schemas.io.AvroFiles;
import dev.spro.schemas.io.ParquetFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every record that flows between stages survives a write and read through Avro and Parquet. */
class RecordRoundTripTest {

  static Rollout rollout(int sample, FinishReason reason) {
    return Rollout.newBuilder()
        .setPromptId("gsm8k-train-00042")
        .setSampleIndex(sample)
        .setIteration(7)
        .setSeed(-1234567890123L)
        .setDataSource("openai/gsm8k")
        .setGroundTruth("72")
        .setPromptTokenIds(List.of(1, 2, 3, 65535))
        .setResponseTokenIds(sample == 0 ? List.of() : List.of(9, 8, 7))
        .setSamplerLogprobs(sample == 0 ? List.of() : List.of(-0.5f, -1e-7f, -23.25f))
        .setFinishReason(reason)
        .setResponseText(sample == 0 ? "" : "3+7=10;#### 10 — ünïcode ✓")
        .build();
  }

  static Stream<Arguments> records() {
    Prompt prompt =
        Prompt.newBuilder()
            .setId("p-1")
            .setDataSource("openai/gsm8k")
            .setMessages(
                List.of(
                    new ChatMessage("system", "Think step by step."),
                    new ChatMessage("user", "Natalia sold 48 clips in April...")))
            .setGroundTruth("72")
            .setAbility("math")
            .setExtraInfo(Map.of("split", "train", "index", "0"))
            .setOrigin("train.jsonl:1")
            .build();
    Prompt minimal =
        Prompt.newBuilder()
            .setId("p-2")
            .setDataSource("task")
            .setMessages(List.of())
            .setGroundTruth("")
            .build(); // defaults: style "rule", ability "", extra_info {}, origin null
    ScoredRollout scored =
        ScoredRollout.newBuilder()
            .setRollout(rollout(1, FinishReason.STOP))
            .setOutcomeReward(1.0)
            .setExtractedAnswer("10")
            .setOldLogprobs(List.of(-0.1f, -0.2f, -0.3f))
            .setRefLogprobs(List.of(-0.15f, -0.25f, -0.35f))
            .setEntropies(List.of(0.5f, 0.6f, 0.7f))
            .build();
    ScoredRollout scoredPrime =
        ScoredRollout.newBuilder(scored)
            .setRollout(rollout(0, FinishReason.LENGTH))
            .setExtractedAnswer(null)
            .setPrmLogprobs(List.of(-1f, -2f))
            .build();
    TrainingExample example =
        TrainingExample.newBuilder()
            .setPromptId("p-1")
            .setSampleIndex(3)
            .setIteration(2)
            .setPromptTokenIds(List.of(5, 6))
            .setResponseTokenIds(List.of(7, 8, 9))
            .setAdvantages(List.of(1.288032f, -0.544016f, 0f))
            .setOldLogprobs(List.of(-0.1f, -0.2f, -0.3f))
            .setRefLogprobs(List.of(-0.1f, -0.2f, -0.4f))
            .setOutcomeReward(0.0)
            .build();
    IterationMetrics metrics =
        IterationMetrics.newBuilder()
            .setRunId("run-1")
            .setIteration(3)
            .setValues(Map.of("critic/score/mean", 0.25, "actor/pg_clipfrac", 0.0, "timing_s/gen", 12.5))
            .build();
    CheckpointManifest manifest =
        CheckpointManifest.newBuilder()
            .setIteration(4)
            .setOptimizerStep(4)
            .setConfigHash("ab".repeat(32))
            .setRunSeed(42)
            .setDataCursor(new DataCursor(1, 17))
            .setFiles(
                List.of(
                    new FileEntry("model.safetensors", 123456L, "0f".repeat(32)),
                    new FileEntry("optimizer.safetensors", 246912L, "e3".repeat(32))))
            .setExtra(Map.of("algorithm", "spro"))
            .build();
    return Stream.of(
        Arguments.of(Prompt.getClassSchema(), List.of(prompt, minimal)),
        Arguments.of(Rollout.getClassSchema(), List.of(rollout(0, FinishReason.LENGTH), rollout(1, FinishReason.STOP))),
        Arguments.of(ScoredRollout.getClassSchema(), List.of(scored, scoredPrime)),
        Arguments.of(TrainingExample.getClassSchema(), List.of(example)),
        Arguments.of(IterationMetrics.getClassSchema(), List.of(metrics)),
        Arguments.of(CheckpointManifest.getClassSchema(), List.of(manifest)),
        Arguments.of(RejectedRow.getClassSchema(),
            List.of(new RejectedRow("data/train.jsonl", 17L, "reward_model.ground_truth", "is empty"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  <T extends SpecificRecord> void avroRoundTrip(Schema schema, List<T> records, @TempDir Path dir) {
    Path file = dir.resolve("records.avro");
    AvroFiles.write(file, schema, records);
    @SuppressWarnings("unchecked")
    Class<T> type = (Class<T>) records.get(0).getClass();
    List<T> back = AvroFiles.read(file, type);
    assertEquals(records, back);
    assertNotSame(records.get(0), back.get(0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  <T extends SpecificRecord> void parquetRoundTrip(Schema schema, List<T> records, @TempDir Path dir) {
    Path file = dir.resolve("records.parquet");
    ParquetFiles.write(file, schema, records);
    @SuppressWarnings("unchecked")
    Class<T> type = (Class<T>) records.get(0).getClass();
    List<T> back = ParquetFiles.read(file, type);
    assertEquals(records, back);
    assertEquals(records.get(0).getClass(), back.get(0).getClass());
  }
}
