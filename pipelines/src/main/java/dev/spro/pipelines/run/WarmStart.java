package dev.spro.pipelines.run;

import dev.spro.models.tokenizer.TextTokenizer;
import dev.spro.schemas.FinishReason;
import dev.spro.schemas.Prompt;
import dev.spro.schemas.Rollout;
import dev.spro.transforms.stages.FaultInjection;
import dev.spro.transforms.stages.ModelSpec;
import dev.spro.transforms.stages.SupervisedTraining;
import dev.spro.transforms.task.ArithmeticTask;
import dev.spro.transforms.task.ArithmeticTeacher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The supervised warm start as one Beam pipeline: the teacher writes solutions for {@code
 * examples} train problems in parallel (committed to {@code sft/teacher}), then one worker trains
 * on them ({@link SupervisedTraining}), checkpointing as it goes. The result becomes iteration 0
 * and the reference model of the RL run.
 */
public final class WarmStart {
  private WarmStart() {}

  public static void build(Pipeline p, Path workDir, Path initial, ArithmeticTask task, ArithmeticTeacher teacher,
      int examples, ModelSpec spec, SupervisedTraining.Settings settings, int shards, FaultInjection fault) {
    Path teacherDir = workDir.resolve("teacher");
    PCollection<Rollout> data;
    if (StageOutput.isCommitted(teacherDir)) {
      data = StageOutput.read(p, Rollout.class, teacherDir, "Teacher");
    } else {
      List<Long> rows = LongStream.range(0, examples).boxed().toList();
      PCollection<Rollout> written = p.apply("Problems", Create.of(rows))
          .apply("TeacherSolutions", ParDo.of(new TeacherFn(task, teacher, spec)))
          .setCoder(AvroCoder.of(Rollout.class));
      data = StageOutput.commit(written, Rollout.class, teacherDir, shards, "Teacher");
    }
    PCollectionView<List<Rollout>> view = data.apply("AllExamples", View.asList());
    p.apply("Start", Create.of(0))
        .apply("SupervisedTraining", ParDo.of(new SupervisedTraining(initial, workDir, spec, settings, view, fault)).withSideInputs(view))
        .setCoder(StringUtf8Coder.of());
  }

  /** A teacher solution as a rollout record: prompt tokens, solution tokens + end of sequence. */
  static final class TeacherFn extends DoFn<Long, Rollout> {
    private final ArithmeticTask task;
    private final ArithmeticTeacher teacher;
    private final ModelSpec spec;
    private transient TextTokenizer tokenizer;

    TeacherFn(ArithmeticTask task, ArithmeticTeacher teacher, ModelSpec spec) {
      this.task = task;
      this.teacher = teacher;
      this.spec = spec;
    }

    @Setup
    public void setup() {
      tokenizer = spec.newTokenizer(Integer.MAX_VALUE);
    }

    @ProcessElement
    public void process(@Element Long index, OutputReceiver<Rollout> out) {
      Prompt prompt = task.prompt("train", index);
      String solution = teacher.solve(task.problem("train", index), index);
      int[] response = tokenizer.encode(solution);
      List<Integer> responseIds = new ArrayList<>();
      for (int t : response) {
        responseIds.add(t);
      }
      responseIds.add(tokenizer.eosId());
      List<Integer> promptIds = new ArrayList<>();
      for (int t : spec.encodePrompt(tokenizer, prompt)) {
        promptIds.add(t);
      }
      out.output(Rollout.newBuilder()
          .setPromptId(prompt.getId())
          .setSampleIndex(0)
          .setIteration(-1)
          .setSeed(index)
          .setDataSource(prompt.getDataSource())
          .setGroundTruth(prompt.getGroundTruth())
          .setPromptTokenIds(promptIds)
          .setResponseTokenIds(responseIds)
          .setSamplerLogprobs(List.of())
          .setFinishReason(FinishReason.STOP)
          .setResponseText(solution)
          .build());
    }
  }
}
