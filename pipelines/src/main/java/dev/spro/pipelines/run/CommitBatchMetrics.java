package dev.spro.pipelines.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spro.models.io.AtomicFiles;
import dev.spro.schemas.FinishReason;
import dev.spro.schemas.Rollout;
import dev.spro.schemas.ScoredRollout;
import dev.spro.schemas.TrainingExample;
import dev.spro.transforms.metrics.BatchMetrics;
import dev.spro.transforms.stages.Lists;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * The batch metrics of an iteration (rewards, lengths, entropy, KL to the reference, advantages)
 * as a Beam {@code Combine} over its scored rollouts and training examples, committed as one
 * small JSON file in the iteration's directory ({@code RunLayout.BATCH_METRICS}). The driver's metrics line is built from this file
 * and the checkpoint's trainer state, both committed with the iteration, so a resumed or
 * repaired run rebuilds the same line without re-reading any stage output.
 */
public final class CommitBatchMetrics {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private CommitBatchMetrics() {}

  /**
   * Adds the combine and the commit of {@code file} to the pipeline of {@code scored} and
   * {@code examples}; the result holds the file's path once it is committed (for {@code Wait.on}).
   */
  public static PCollection<String> apply(PCollection<ScoredRollout> scored, PCollection<TrainingExample> examples, Path file) {
    var coder = SerializableCoder.of(BatchMetrics.class);
    PCollection<BatchMetrics> responses = scored.apply("MetricsOfResponses",
        MapElements.into(TypeDescriptor.of(BatchMetrics.class)).via(CommitBatchMetrics::ofResponse)).setCoder(coder);
    PCollection<BatchMetrics> advantages = examples.apply("MetricsOfAdvantages",
        MapElements.into(TypeDescriptor.of(BatchMetrics.class)).via(CommitBatchMetrics::ofExample)).setCoder(coder);
    return PCollectionList.of(responses).and(advantages)
        .apply("AllMetrics", Flatten.pCollections())
        .apply("CombineMetrics", Combine.globally(new MergeFn()).withoutDefaults())
        .setCoder(coder)
        .apply("CommitMetrics", ParDo.of(new WriteFn(file.toString())));
  }

  /** The committed batch metrics of an iteration; empty when the file is not there. */
  public static Map<String, Object> read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return Map.of();
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = JSON.readValue(file.toFile(), TreeMap.class);
    return m;
  }

  static BatchMetrics ofResponse(ScoredRollout s) {
    Rollout r = s.getRollout();
    int length = r.getResponseTokenIds().size();
    return new BatchMetrics()
        .addResponse(s.getOutcomeReward(), r.getPromptTokenIds().size(), length, r.getFinishReason() == FinishReason.LENGTH)
        .addTokenStats(Lists.floats(s.getOldLogprobs()), Lists.floats(s.getRefLogprobs()), Lists.floats(s.getEntropies()),
            length)
        .addRechecks(s.getRecheckSteps());
  }

  static BatchMetrics ofExample(TrainingExample e) {
    double[] a = Lists.doubles(e.getAdvantages());
    double[] old = Lists.doubles(e.getOldLogprobs());
    double[] ref = Lists.doubles(e.getRefLogprobs());
    double[] logRatios = new double[a.length];
    for (int t = 0; t < a.length; t++) {
      logRatios[t] = old[t] - ref[t];
    }
    return new BatchMetrics().addAdvantages(a, a.length)
        .addLocalisation(e.getOutcomeReward(), e.getFirstErrorToken(), logRatios, a, a.length);
  }

  static final class MergeFn extends Combine.BinaryCombineFn<BatchMetrics> {
    @Override
    public BatchMetrics apply(BatchMetrics left, BatchMetrics right) {
      return new BatchMetrics().merge(left).merge(right);
    }
  }

  static final class WriteFn extends DoFn<BatchMetrics, String> {
    private final String file;

    WriteFn(String file) {
      this.file = file;
    }

    @ProcessElement
    public void process(@Element BatchMetrics m, OutputReceiver<String> out) throws IOException {
      AtomicFiles.writeString(Path.of(file), JSON.writeValueAsString(new TreeMap<>(m.toMap())) + "\n");
      out.output(file);
    }
  }
}
