package dev.spro.pipelines.run;

import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.flink.FlinkOptions;
import dev.spro.pipelines.flink.LocalFlinkCluster;
import dev.spro.pipelines.flink.RunGauges;
import dev.spro.pipelines.flink.RunGaugesEndpoint;
import dev.spro.pipelines.report.RunReport;
import dev.spro.transforms.metrics.MetricNames;
import dev.spro.transforms.stages.DataCursor;
import dev.spro.transforms.stages.FaultInjection;
import dev.spro.transforms.stages.IterationContext;
import dev.spro.transforms.stages.ReadPrompts;
import dev.spro.transforms.stages.RunLayout;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;

/**
 * Runs a training run: one Beam pipeline per iteration, each committing its stages and the next
 * checkpoint in the run directory; resumes from the last committed stage of a run directory that
 * already has progress. By default one embedded Flink cluster serves the whole run with its web
 * UI; {@code flink.master} may name a cluster (host:port) or {@code direct} (Beam's DirectRunner).
 * Everything the config refers to is resolved and checked ({@link RunPlan}) before the run
 * directory is touched.
 */
public final class Driver {
  private final RunPlan plan;
  private final RunConfig config;
  private final Path runDir;
  private final FaultInjection fault;
  private final PrintStream out;
  /** The bar of the RL phase while it runs; lines go above it. */
  private Progress bar;

  public Driver(RunPlan plan, Path runDir, FaultInjection fault, PrintStream out) {
    this.plan = plan;
    this.config = plan.config();
    this.runDir = runDir.toAbsolutePath();
    this.fault = fault;
    this.out = out;
  }

  /** Resolves {@code config} first ({@link RunPlan#resolve}): a bad config fails before anything is written. */
  public Driver(RunConfig config, Path runDir, FaultInjection fault, PrintStream out) {
    this(RunPlan.resolve(config), runDir, fault, out);
  }

  /** Runs (or continues) the run to {@code run.iterations}; returns the final checkpoint. */
  public Path run() throws IOException {
    return run(-1);
  }

  /**
   * Recomputes the run from iteration {@code k}'s checkpoint (checked against its manifest first):
   * what iteration {@code k} and later committed is moved aside, then the run continues.
   */
  public Path rerunFrom(int k) throws IOException {
    if (k < 0) {
      throw new IllegalArgumentException("--from-iteration " + k + ": an iteration is >= 0");
    }
    return run(k);
  }

  private Path run(int rerunFrom) throws IOException {
    plan.checkPort();
    if (onSessionCluster()) {
      // before the run directory is touched: nothing answers there, or it carries another build
      out.println("Flink session cluster: " + JobOptions.staging(config).reason());
    }
    plan.notes().forEach(out::println);
    try (RunDirectory dir = RunDirectory.open(runDir, config)) {
      if (dir.staleLockHolder() != null) {
        out.println("took over the lock of " + runDir + " from a process that is no longer running ("
            + dir.staleLockHolder() + ")");
      }
      if (rerunFrom >= 0) {
        Path aside = dir.discardFrom(rerunFrom);
        out.println("iteration " + rerunFrom + " onward moved aside to " + aside + "; recomputing from "
            + RunLayout.checkpoint(runDir, rerunFrom));
      }
      return run(dir);
    } finally {
      if (onSessionCluster()) {
        FlinkOptions.endSessionClusterJobs();
      }
    }
  }

  private Path run(RunDirectory dir) throws IOException {
    int end = config.run.iterations;
    if (dir.lastCheckpoint() >= end && !evaluation().pending(dir, dir.lastCheckpoint())) {
      IterationMetrics.repair(dir);
      out.printf("run %s is complete: %d iterations (checkpoint %s)%n", runDir, dir.lastCheckpoint(),
          RunLayout.checkpoint(runDir, dir.lastCheckpoint()));
      return RunLayout.checkpoint(runDir, dir.lastCheckpoint());
    }
    try (LocalFlinkCluster cluster = config.flink.master.equals("embedded")
        ? LocalFlinkCluster.start(config.flink.host, config.flink.restPort, config.flink.parallelism,
            config.flink.prometheusPort) : null;
        RunGaugesEndpoint gauges = onSessionCluster() && config.flink.prometheusPort > 0
            ? RunGaugesEndpoint.start(config.flink.host, config.flink.prometheusPort) : null) {
      RunGauges.INSTANCE.start(config.run.name);
      if (cluster != null) {
        out.println("Flink web UI: " + cluster.webUi());
      }
      if (config.flink.prometheusPort > 0 && (cluster != null || gauges != null)) {
        out.printf("Prometheus metrics%s: http://%s:%d/metrics%n", gauges != null ? " (the run's spro_* gauges)" : "",
            config.flink.host, config.flink.prometheusPort);
      }
      new InitialCheckpoint(plan, dir, cluster, fault, out).ensure();
      int start = dir.lastCheckpoint();
      dir.cleanUncommitted(start);
      IterationMetrics.repair(dir);
      dir.writeLatest(start);
      out.printf("run %s: iterations %d..%d of %s%s%n", runDir, start, end - 1, config.algorithm.name,
          start > 0 ? " (resuming after iteration " + (start - 1) + ")" : "");
      Evaluation.Periodic eval = evaluation();
      try (Progress progress = Progress.count(config.algorithm.name, start, end, out)) {
        bar = progress;
        eval.maybeRun(dir, cluster, start, this::say);
        for (int k = start; k < end; k++) {
          runIteration(dir, cluster, k);
          progress.stepTo(k + 1);
          eval.maybeRun(dir, cluster, k + 1, this::say);
        }
      } finally {
        bar = null;
      }
    }
    return summarize(RunLayout.checkpoint(runDir, end));
  }

  private void runIteration(RunDirectory dir, LocalFlinkCluster cluster, int k) throws IOException {
    IterationContext ctx = plan.context(runDir, k, fault);
    // before any worker starts: a corrupt checkpoint stops here, named (the workers of an embedded
    // cluster share this JVM's verification; a session cluster's verify once per TaskManager)
    CheckpointIntegrity.verify(ctx.policy());
    CheckpointIntegrity.verify(Path.of(ctx.reference()));
    String job = String.format(Locale.ROOT, "%s-iter-%06d", config.run.name, k);
    Pipeline p = Pipeline.create(JobOptions.of(config, cluster, job,
        String.format(Locale.ROOT, "RL iteration %d of %d: checkpoint %d -> %d", k, config.run.iterations, k, k + 1), k));
    int[] rows = DataCursor.batch(config.run.seed, k, plan.dataset().size(), config.data.batchSize);
    var prompts = plan.task() != null ? ReadPrompts.fromTask(plan.task(), rows)
        : ReadPrompts.fromFiles(plan.dataset().pattern(), idsOf(rows));
    IterationPipeline.build(p, ctx, prompts, plan.manifests());
    long start = System.nanoTime();
    long submitMs = System.currentTimeMillis();
    PipelineResult result =
        StageFailure.run(p, StageFailure.Where.of(runDir, job, () -> "iteration " + k + ", stage " + failedStage(k)));
    double seconds = (System.nanoTime() - start) / 1e9;
    timeline(cluster, k, job, submitMs, System.currentTimeMillis(), result);
    var rejected = IterationMetrics.rejections(runDir, k, rows.length, plan.dataset().rejectedRows());
    if (rejected != null) {
      say("iter " + k + "  " + rejected);
      if (rejected.all()) {
        throw new IllegalStateException("iteration " + k + ": every prompt of the batch was rejected (" + rejected
            + "); nothing was trained. Check model.chatTemplate, sampling.maxNewTokens and the model's context");
      }
    }
    Map<String, Object> metrics = IterationMetrics.line(runDir, k, result, seconds);
    dir.putMetrics(k, "train", metrics);
    RunGauges.INSTANCE.update(config.run.name, k, metrics);
    dir.writeLatest(k + 1);
    dir.applyRetention(k + 1, config.retention.keepLast, config.retention.keepEvery);
    say(IterationMetrics.consoleLine(k, metrics, seconds));
  }

  /** Whether {@code flink.master} names a session cluster (host:port), not the embedded one or Beam's DirectRunner. */
  private boolean onSessionCluster() {
    return !config.flink.master.equals("embedded") && !config.flink.master.equals("direct");
  }

  /** The job's line of timeline.jsonl, from the REST API of the cluster that ran it (none for Beam's DirectRunner). */
  private void timeline(LocalFlinkCluster cluster, int k, String job, long submitMs, long returnMs, PipelineResult result) {
    String rest = cluster != null ? cluster.webUi().toString()
        : onSessionCluster() ? "http://" + config.flink.master : null;
    if (rest == null) {
      return;
    }
    try {
      JobTimeline.append(runDir, k, rest.replaceAll("/$", ""), job, submitMs, returnMs, result);
    } catch (IOException | RuntimeException e) {
      // the timeline describes the run; it never stops one
      say("iter " + k + "  no timeline: " + e.getMessage());
    }
  }

  /** The first stage of iteration {@code k} without committed output: the one that failed. */
  private String failedStage(int k) {
    String[][] stages = {{RunLayout.ROLLOUTS, "sample"}, {RunLayout.REWARDED, "reward"}, {RunLayout.SCORED, "score"},
        {RunLayout.EXAMPLES, "advantage"}};
    for (String[] s : stages) {
      if (!StageOutput.isCommitted(RunLayout.stage(runDir, k, s[0]))) {
        return s[1];
      }
    }
    return Files.isDirectory(RunLayout.checkpoint(runDir, k + 1)) ? "after checkpoint" : "gradient";
  }

  private Set<String> idsOf(int[] rows) {
    Set<String> ids = new HashSet<>();
    for (int r : rows) {
      ids.add(plan.dataset().ids().get(r));
    }
    return ids;
  }

  private Evaluation.Periodic evaluation() {
    return new Evaluation.Periodic(plan, runDir);
  }

  /** Prints the accuracy gained and where the results are; returns the final checkpoint. */
  private Path summarize(Path last) throws IOException {
    List<double[]> accuracy = RunReport.series(RunDirectory.metricRows(runDir), "eval", MetricNames.VAL_ACCURACY);
    if (accuracy.size() > 1) {
      double first = accuracy.get(0)[1];
      double end = accuracy.get(accuracy.size() - 1)[1];
      out.printf(Locale.ROOT, "test accuracy: %.3f at iteration %d -> %.3f at iteration %d (%+.1f points)%n", first,
          (int) accuracy.get(0)[0], end, (int) accuracy.get(accuracy.size() - 1)[0], 100 * (end - first));
    }
    if (config.run.iterations == 0) {
      out.println("initial checkpoint: " + last + " (no RL iterations were asked for)");
    } else {
      out.println("final checkpoint: " + last);
    }
    out.println("metrics: " + runDir.resolve(RunDirectory.METRICS));
    return last;
  }

  private void say(String line) {
    if (bar != null) {
      bar.println(line);
    } else {
      out.println(line);
    }
  }
}
