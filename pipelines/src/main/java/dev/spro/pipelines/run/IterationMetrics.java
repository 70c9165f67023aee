package dev.spro.pipelines.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.schemas.RejectedRow;
import dev.spro.schemas.io.AvroFiles;
import dev.spro.transforms.metrics.MetricNames;
import dev.spro.transforms.metrics.ProcessMemory;
import dev.spro.transforms.stages.GradientStep;
import dev.spro.transforms.stages.ResidentModels;
import dev.spro.transforms.stages.RunLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;

/**
 * The line of metrics.jsonl of one iteration: the batch metrics the pipeline committed
 * ({@link CommitBatchMetrics}), the gradient step's metrics from the checkpoint it committed
 * ({@code trainer_state.json}), and the job's timings and group counts from its Beam counters.
 */
final class IterationMetrics {
  private static final ObjectMapper JSON = new ObjectMapper();

  private IterationMetrics() {}

  /**
   * Iteration {@code k}'s metrics (without {@code iteration} and {@code phase}, which
   * {@link RunDirectory#putMetrics} adds); {@code result} is null when the job's counters are
   * gone (a repaired line).
   */
  static Map<String, Object> line(Path runDir, int k, PipelineResult result, double seconds) throws IOException {
    Map<String, Object> m = new TreeMap<>(CommitBatchMetrics.read(RunLayout.iteration(runDir, k).resolve(RunLayout.BATCH_METRICS)));
    Path state = RunLayout.checkpoint(runDir, k + 1).resolve(GradientStep.TRAINER_STATE);
    if (Files.exists(state)) {
      @SuppressWarnings("unchecked")
      Map<String, Object> step = JSON.readValue(state.toFile(), Map.class);
      step.forEach((key, v) -> {
        if (key.contains("/")) {
          m.put(key, v);
        }
      });
    }
    if (result != null) {
      double tokens = num(m, MetricNames.PROMPT_LENGTH_MEAN) + num(m, MetricNames.RESPONSE_LENGTH_MEAN);
      long responses = BeamCounters.sum(result, "spro.reward", "scored");
      m.put(MetricNames.TIMING_GEN, BeamCounters.sum(result, "spro.sample", "micros") / 1e6);
      m.put(MetricNames.TIMING_REF, BeamCounters.sum(result, "spro.score", "micros") / 1e6);
      m.put(MetricNames.TIMING_UPDATE_ACTOR, BeamCounters.sum(result, "spro.gradient", "micros") / 1e6);
      m.put(MetricNames.TIMING_STEP, seconds);
      m.put(MetricNames.PERF_THROUGHPUT, tokens * responses / seconds);
      // the process's real peak (resident set: heap, engine memory and the rest) in each stage, on any worker
      double gen = gb(BeamCounters.max(result, "spro.sample", ProcessMemory.PEAK_RSS));
      double ref = gb(BeamCounters.max(result, "spro.score", ProcessMemory.PEAK_RSS));
      double update = gb(BeamCounters.max(result, GradientStep.METRICS_NAMESPACE, ProcessMemory.PEAK_RSS));
      m.put(MetricNames.PERF_PEAK_MEMORY_GEN_GB, gen);
      m.put(MetricNames.PERF_PEAK_MEMORY_REF_GB, ref);
      m.put(MetricNames.PERF_PEAK_MEMORY_UPDATE_GB, update);
      m.put(MetricNames.PERF_MAX_MEMORY_GB, Math.max(gen, Math.max(ref, update)));
      m.put(MetricNames.PERF_MODEL_LOADS, BeamCounters.sum(result, ResidentModels.METRICS_NAMESPACE, "loads"));
      m.put(MetricNames.PERF_MODEL_BYTES_READ, BeamCounters.sum(result, ResidentModels.METRICS_NAMESPACE, "bytes_read"));
      m.put(MetricNames.GROUPS_ALL_CORRECT, BeamCounters.sum(result, "spro.advantage", "groups_all_correct"));
      m.put(MetricNames.GROUPS_ALL_WRONG, BeamCounters.sum(result, "spro.advantage", "groups_all_wrong"));
      m.put(MetricNames.GROUPS_FILTERED, BeamCounters.sum(result, "spro.advantage", "groups_filtered"));
    }
    return m;
  }

  /**
   * Adds the training line of every committed iteration that metrics.jsonl lacks (a crash
   * between the checkpoint's commit and the line's write), rebuilt from the iteration's committed
   * batch metrics and trainer state; timings are gone with the job and stay out.
   */
  static void repair(RunDirectory dir) throws IOException {
    Path runDir = dir.path();
    dir.setAsideDamagedMetrics();
    int last = dir.lastCheckpoint();
    for (int k = 0; k < last; k++) {
      Path batch = RunLayout.iteration(runDir, k).resolve(RunLayout.BATCH_METRICS);
      if (Files.exists(batch) && Files.isDirectory(RunLayout.checkpoint(runDir, k + 1)) && !dir.hasMetrics(k, "train")) {
        dir.putMetrics(k, "train", line(runDir, k, null, Double.NaN));
      }
    }
  }

  static double num(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** The console line of an iteration. */
  static String consoleLine(int k, Map<String, Object> m, double seconds) {
    return String.format(Locale.ROOT, "iter %4d  reward %.3f  length %5.1f  entropy %.3f  kl_ref %.4f  %.1f s", k,
        num(m, MetricNames.SCORE_MEAN), num(m, MetricNames.RESPONSE_LENGTH_MEAN), num(m, MetricNames.ACTOR_ENTROPY),
        num(m, MetricNames.ACTOR_KL_REF), seconds);
  }

  /**
   * How many of the iteration's {@code batch} prompts were rejected, and why; null when none.
   * {@code fileRejects} rows of the data files are rejected in every iteration and were reported
   * when the run started, so they are not counted again.
   */
  static Rejections rejections(Path runDir, int k, int batch, int fileRejects) throws IOException {
    Path stage = RunLayout.stage(runDir, k, RunLayout.REJECTED);
    if (!StageOutput.isCommitted(stage)) {
      return null;
    }
    int tooLong = 0;
    int rows = 0;
    for (Path f : StageOutput.committedFiles(stage)) {
      for (RejectedRow r : AvroFiles.read(f, RejectedRow.class)) {
        rows++;
        if (r.getReason().contains("exceeds the model's context")) {
          tooLong++;
        }
      }
    }
    int inBatch = rows - fileRejects;
    return inBatch <= 0 ? null : new Rejections(inBatch, batch, tooLong, inBatch - tooLong, stage);
  }

  /** The prompts of one batch that could not be sampled. */
  record Rejections(int count, int batch, int tooLong, int unusable, Path where) {
    boolean all() {
      return count >= batch;
    }

    @Override
    public String toString() {
      List<String> why = new java.util.ArrayList<>();
      if (tooLong > 0) {
        why.add(tooLong + " too long");
      }
      if (unusable > 0) {
        why.add(unusable + " could not be encoded");
      }
      return "rejected " + count + " of " + batch + " prompts: " + String.join(", ", why) + "; see " + where;
    }
  }

  private static double gb(long bytes) {
    return bytes / (double) (1L << 30);
  }
}
