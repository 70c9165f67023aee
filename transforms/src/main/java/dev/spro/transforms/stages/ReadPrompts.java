package dev.spro.transforms.stages;

import dev.spro.schemas.Prompt;
import dev.spro.schemas.RejectedRow;
import dev.spro.transforms.data.ReadPromptFiles;
import dev.spro.transforms.task.ArithmeticTask;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * Stage 1: the prompts of this iteration's batch, from prompt files (verl Parquet or JSONL) or
 * from a built-in task. The batch is chosen by {@link DataCursor} outside the pipeline (the ids,
 * or the task's row indices); rejected rows of the files go to {@link ReadPromptFiles#REJECTED}.
 */
public final class ReadPrompts {
  public static final String METRICS_NAMESPACE = "spro.read_prompts";

  private ReadPrompts() {}

  /** Rows {@code indices} of a built-in task's train split. */
  public static PTransform<PBegin, PCollectionTuple> fromTask(ArithmeticTask task, int[] indices) {
    return new PTransform<>() {
      @Override
      public PCollectionTuple expand(PBegin begin) {
        List<Long> rows = Arrays.stream(indices).mapToObj(i -> (long) i).toList();
        PCollection<Prompt> prompts = begin.apply("Rows", Create.of(rows))
            .apply("Generate", ParDo.of(new GenerateFn(task)))
            .setCoder(AvroCoder.of(Prompt.class));
        PCollection<RejectedRow> none = begin.apply("NoRejects", Create.empty(AvroCoder.of(RejectedRow.class)));
        return PCollectionTuple.of(ReadPromptFiles.PROMPTS, prompts).and(ReadPromptFiles.REJECTED, none);
      }
    };
  }

  /** The prompts with the given ids from the files matching {@code pattern}. */
  public static PTransform<PBegin, PCollectionTuple> fromFiles(String pattern, Set<String> batchIds) {
    return new PTransform<>() {
      @Override
      public PCollectionTuple expand(PBegin begin) {
        PCollectionTuple all = begin.apply("Files", ReadPromptFiles.from(pattern));
        HashSet<String> ids = new HashSet<>(batchIds);
        PCollection<Prompt> batch = all.get(ReadPromptFiles.PROMPTS)
            .apply("InBatch", Filter.by((Prompt p) -> ids.contains(p.getId())));
        return PCollectionTuple.of(ReadPromptFiles.PROMPTS, batch).and(ReadPromptFiles.REJECTED, all.get(ReadPromptFiles.REJECTED));
      }
    };
  }

  static final class GenerateFn extends DoFn<Long, Prompt> {
    private final Counter prompts = Metrics.counter(METRICS_NAMESPACE, "prompts");
    private final ArithmeticTask task;

    GenerateFn(ArithmeticTask task) {
      this.task = task;
    }

    @ProcessElement
    public void process(@Element Long row, OutputReceiver<Prompt> out) {
      prompts.inc();
      out.output(task.prompt("train", row));
    }
  }
}
