package dev.spro.pipelines.run;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.engine.DjlRuntime;
import dev.spro.models.nn.Transformer;
import dev.spro.models.sampling.SamplingParams;
import dev.spro.models.tokenizer.CharTokenizer;
import dev.spro.models.tokenizer.TextTokenizer;
import dev.spro.models.train.AdamW;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.flink.FlinkOptions;
import dev.spro.pipelines.flink.LocalFlinkCluster;
import dev.spro.pipelines.report.RunReport;
import dev.spro.schemas.FinishReason;
import dev.spro.schemas.Prompt;
import dev.spro.schemas.ScoredRollout;
import dev.spro.schemas.TrainingExample;
import dev.spro.schemas.io.AvroFiles;
import dev.spro.transforms.algo.AdvantageConfig;
import dev.spro.transforms.data.PromptFiles;
import dev.spro.transforms.loss.KlEstimator;
import dev.spro.transforms.loss.LossAggregation;
import dev.spro.transforms.loss.PolicyLossConfig;
import dev.spro.transforms.metrics.BatchMetrics;
import dev.spro.transforms.metrics.MetricNames;
import dev.spro.transforms.stages.DataCursor;
import dev.spro.transforms.stages.FaultInjection;
import dev.spro.transforms.stages.GradientStep;
import dev.spro.transforms.stages.IterationContext;
import dev.spro.transforms.stages.Lists;
import dev.spro.transforms.stages.ModelSpec;
import dev.spro.transforms.stages.ReadPrompts;
import dev.spro.transforms.stages.RunLayout;
import dev.spro.transforms.stages.Seeds;
import dev.spro.transforms.stages.TrainSettings;
import dev.spro.transforms.task.ArithmeticTask;
import dev.spro.transforms.task.ArithmeticTeacher;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Runs a training run: one Beam pipeline per iteration, each committing its stages and the next
 * checkpoint in the run directory; resumes from the last committed stage of a run directory that
 * already has progress. By default one embedded Flink cluster serves the whole run with its web
 * UI; {@code flink.master} may name a cluster (host:port) or {@code direct} (Beam's DirectRunner).
 */
public final class Driver {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private final RunConfig config;
  private final Path runDir;
  private final FaultInjection fault;
  private final PrintStream out;

  public Driver(RunConfig config, Path runDir, FaultInjection fault, PrintStream out) {
    this.config = config;
    this.runDir = runDir.toAbsolutePath();
    this.fault = fault;
    this.out = out;
  }

  /** The dataset of a run: a built-in task, or the valid rows of prompt files (by id, in file order). */
  record Dataset(ArithmeticTask task, String pattern, List<String> ids) {
    int size() {
      return ids.size();
    }
  }

  /** Runs (or continues) the run to {@code run.iterations}; returns the final checkpoint. */
  public Path run() throws IOException {
    RunDirectory dir = RunDirectory.open(runDir, config);
    Dataset data = dataset();
    ModelSpec spec = modelSpec(config);
    Manifests manifests = new Manifests(config.hash(), data.size(), config.data.batchSize, config.algorithm.name);
    int start = Math.max(0, dir.lastCheckpoint());
    if (dir.lastCheckpoint() >= config.run.iterations && dir.lastCheckpoint() >= 0
        && (config.eval.every <= 0 || data.task() == null || dir.hasMetrics(dir.lastCheckpoint(), "eval"))) {
      out.printf("run %s is complete: %d iterations (checkpoint %s)%n", runDir, dir.lastCheckpoint(),
          RunLayout.checkpoint(runDir, dir.lastCheckpoint()));
      return RunLayout.checkpoint(runDir, dir.lastCheckpoint());
    }
    LocalFlinkCluster cluster = null;
    try {
      if (config.flink.master.equals("embedded")) {
        cluster = LocalFlinkCluster.start(config.flink.restPort, config.flink.parallelism);
        out.println("Flink web UI: " + cluster.webUi());
      }
      ensureInitialCheckpoint(dir, spec, manifests, data, cluster);
      start = dir.lastCheckpoint();
      dir.cleanUncommitted(start);
      dir.writeLatest(start);
      out.printf("run %s: iterations %d..%d of %s%s%n", runDir, start, config.run.iterations - 1, config.algorithm.name,
          start > 0 ? " (resuming after iteration " + (start - 1) + ")" : "");
      try (Progress bar = Progress.count(config.algorithm.name, start, config.run.iterations, out)) {
        phase = bar;
        maybeEvaluate(dir, data, spec, cluster, start);
        for (int k = start; k < config.run.iterations; k++) {
          runIteration(dir, data, spec, manifests, cluster, k);
          bar.stepTo(k + 1);
          maybeEvaluate(dir, data, spec, cluster, k + 1);
        }
      } finally {
        phase = null;
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
    Path last = RunLayout.checkpoint(runDir, config.run.iterations);
    List<double[]> accuracy = RunReport.series(RunDirectory.metricRows(runDir), "eval", MetricNames.VAL_ACCURACY);
    if (accuracy.size() > 1) {
      double first = accuracy.get(0)[1];
      double end = accuracy.get(accuracy.size() - 1)[1];
      out.printf(Locale.ROOT, "test accuracy: %.3f at iteration %d -> %.3f at iteration %d (%+.1f points)%n", first,
          (int) accuracy.get(0)[0], end, (int) accuracy.get(accuracy.size() - 1)[0], 100 * (end - first));
    }
    out.println("final checkpoint: " + last);
    out.println("metrics: " + runDir.resolve(RunDirectory.METRICS));
    return last;
  }

  private void runIteration(RunDirectory dir, Dataset data, ModelSpec spec, Manifests manifests, LocalFlinkCluster cluster,
      int k) throws IOException {
    IterationContext ctx = context(spec, k);
    String jobName = String.format(Locale.ROOT, "%s-iter-%06d", config.run.name, k);
    Pipeline p = Pipeline.create(options(cluster, jobName));
    int[] rows = DataCursor.batch(config.run.seed, k, data.size(), config.data.batchSize);
    var prompts = data.task() != null
        ? ReadPrompts.fromTask(data.task(), rows)
        : ReadPrompts.fromFiles(data.pattern(), idsOf(data, rows));
    IterationPipeline.build(p, ctx, prompts, manifests);
    long start = System.nanoTime();
    PipelineResult result = p.run();
    PipelineResult.State state = result.waitUntilFinish();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("iteration " + k + " ended in state " + state);
    }
    Map<String, Object> metrics = metrics(k, result, seconds);
    dir.putMetrics(k, "train", JSON.writeValueAsString(metrics));
    dir.writeLatest(k + 1);
    dir.applyRetention(k + 1, config.retention.keepLast, config.retention.keepEvery);
    say(String.format(Locale.ROOT, "iter %4d  reward %.3f  length %5.1f  entropy %.3f  kl_ref %.4f  %.1f s", k,
        num(metrics, MetricNames.SCORE_MEAN), num(metrics, MetricNames.RESPONSE_LENGTH_MEAN),
        num(metrics, MetricNames.ACTOR_ENTROPY), num(metrics, MetricNames.ACTOR_KL_REF), seconds));
  }

  private static Set<String> idsOf(Dataset data, int[] rows) {
    Set<String> ids = new java.util.HashSet<>();
    for (int r : rows) {
      ids.add(data.ids().get(r));
    }
    return ids;
  }

  private static double num(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private PipelineOptions options(LocalFlinkCluster cluster, String jobName) {
    String master = config.flink.master;
    if (master.equals("direct")) {
      PipelineOptions o = PipelineOptionsFactory.create();
      o.setRunner(DirectRunner.class);
      o.setJobName(jobName);
      return o;
    }
    if (cluster != null) {
      return cluster.options(config.flink.parallelism, jobName);
    }
    // a session cluster: it has Flink, Beam and DJL; each job brings this project's classes
    var options = FlinkOptions.forJob(master, config.flink.parallelism, jobName);
    options.setFilesToStage(List.of(dev.spro.pipelines.flink.ClusterJars.jobJar().toString()));
    return options;
  }

  IterationContext context(ModelSpec spec, int k) {
    RunConfig.Algorithm a = config.algorithm;
    AdvantageConfig adv = AdvantageConfig.builder().beta(a.beta).msaStdNorm(a.msaStdNorm).msaLeaveOneOut(a.msaLeaveOneOut)
        .msaCoef(a.msaCoef).msaOnlyMixedGroups(a.msaOnlyMixedGroups)
        .msaClip(a.msaClip > 0 ? a.msaClip : Double.POSITIVE_INFINITY).normByStd(a.normByStd).build();
    RunConfig.Loss l = config.loss;
    PolicyLossConfig loss = new PolicyLossConfig(l.clipLow, l.clipHigh, l.dualClip, LossAggregation.of(l.aggregation), 0,
        l.klCoef, KlEstimator.of(l.klEstimator), l.entropyCoef);
    RunConfig.Optimizer o = config.optimizer;
    TrainSettings train = new TrainSettings(o.lr, o.schedule, o.warmupSteps, config.run.iterations,
        new AdamW.Hyper(o.beta1, o.beta2, o.eps, o.weightDecay), o.gradClip, o.microBatch, config.prime.beta, config.prime.lr);
    RunConfig.Sampling s = config.sampling;
    SamplingParams sampling = new SamplingParams(s.temperature, s.topK, s.topP, s.maxNewTokens, Set.of(eosId(spec)));
    return new IterationContext(runDir.toString(), k, config.run.seed, config.flink.parallelism, spec,
        RunLayout.checkpoint(runDir, 0).toString(), sampling, s.samplesPerPrompt, s.batchRows, a.name, adv, loss, train,
        a.minGroupAccuracy, a.maxGroupAccuracy, config.verifiers.exactMatchFallback,
        new LinkedHashMap<>(config.verifiers.custom), config.data.failOnBadRows, fault);
  }

  /** The end-of-response token of the tokenizer {@code spec} names. */
  public static int eosId(ModelSpec spec) {
    try (TextTokenizer t = spec.newTokenizer(Integer.MAX_VALUE)) {
      return t.eosId();
    }
  }

  /** The tokenizer, chat template and threads of {@code config}. */
  public static ModelSpec modelSpec(RunConfig config) {
    RunConfig.Model m = config.model;
    if (m.tokenizer.equals("char")) {
      String alphabet = config.data.task != null ? ArithmeticTask.ALPHABET : CharTokenizer.arithmetic().alphabet();
      return new ModelSpec("char", alphabet, m.chatTemplate, m.threads, m.device);
    }
    if (m.eosToken == null) {
      throw new IllegalArgumentException("model.eosToken is required with a tokenizer.json (e.g. <|im_end|>)");
    }
    return new ModelSpec("hf", m.tokenizer + "|" + m.eosToken, m.chatTemplate, m.threads, m.device);
  }

  /** The built-in task of {@code config}, or null when it reads files. */
  public static ArithmeticTask task(RunConfig config) {
    if (config.data.task == null) {
      return null;
    }
    RunConfig.Arithmetic t = config.data.arithmetic;
    return new ArithmeticTask(t.minOperands, t.maxOperands, t.maxOperand, t.testShare, t.seed);
  }

  Dataset dataset() {
    ArithmeticTask task = task(config);
    if (task != null) {
      List<String> ids = new ArrayList<>(config.data.arithmetic.trainSize);
      for (int i = 0; i < config.data.arithmetic.trainSize; i++) {
        ids.add(Integer.toString(i));
      }
      return new Dataset(task, null, ids);
    }
    List<Path> files = matchFiles(config.data.files);
    List<String> ids = new ArrayList<>();
    int rejected = 0;
    String firstProblem = null;
    for (Path f : files) {
      PromptFiles.Result r = PromptFiles.read(f);
      r.prompts().forEach((Prompt p) -> ids.add(p.getId()));
      rejected += r.rejected().size();
      if (firstProblem == null && !r.rejected().isEmpty()) {
        var b = r.rejected().get(0);
        firstProblem = b.getFile() + ":" + b.getRow() + " " + b.getField() + ": " + b.getReason();
      }
    }
    if (rejected > 0) {
      String msg = rejected + " rows of " + config.data.files + " cannot be used (first: " + firstProblem + ")";
      if (config.data.failOnBadRows) {
        throw new IllegalArgumentException(msg + "; data.failOnBadRows is set");
      }
      out.println("warning: " + msg + "; they are quarantined in each iteration's rejected/ output");
    }
    return new Dataset(null, config.data.files, ids);
  }

  static List<Path> matchFiles(String pattern) {
    Path p = Path.of(pattern).toAbsolutePath();
    Path parent = p.getParent();
    String glob = p.getFileName().toString();
    try (Stream<Path> s = Files.list(parent)) {
      var matcher = parent.getFileSystem().getPathMatcher("glob:" + glob);
      List<Path> files = s.filter(f -> matcher.matches(f.getFileName())).sorted().toList();
      if (files.isEmpty()) {
        throw new IllegalArgumentException("data.files '" + pattern + "' matches no file");
      }
      return files;
    } catch (IOException e) {
      throw new IllegalArgumentException("data.files '" + pattern + "': " + e.getMessage(), e);
    }
  }

  /**
   * Iteration 0's checkpoint: the given one, or a new model — after the supervised warm start when
   * it is on; the reference and (PRIME) the reward model start from it.
   */
  void ensureInitialCheckpoint(RunDirectory dir, ModelSpec spec, Manifests manifests, Dataset data, LocalFlinkCluster cluster)
      throws IOException {
    Path ckpt = RunLayout.checkpoint(runDir, 0);
    if (!Files.isDirectory(ckpt)) {
      Files.createDirectories(ckpt.getParent());
      boolean warm = config.warmStart.enabled && config.model.checkpoint == null && data.task() != null;
      Path sft = runDir.resolve("sft");
      Path init = warm ? sft.resolve("init") : ckpt;
      if (!Files.isDirectory(init)) {
        DjlRuntime.init(DjlRuntime.settings().intraOpThreads(config.model.threads));
        try (NDManager manager = Engine.getInstance().newBaseManager(); Transformer model = initialModel(spec, manager)) {
          Map<String, ModelCheckpoint.FileWriter> extra = warm ? Map.of()
              : Map.of(GradientStep.MANIFEST, file -> manifests.write(file.getParent(), 0, 0, config.run.seed));
          ModelCheckpoint.save(model, init, extra);
        }
      }
      if (warm) {
        warmStart(dir, spec, data, cluster, sft, init);
        copyModel(dev.spro.transforms.stages.SupervisedTraining.stepDir(sft, config.warmStart.steps), ckpt,
            tmp -> manifests.write(tmp, 0, 0, config.run.seed));
      }
    }
    Path prm = RunLayout.prm(runDir, 0);
    if (config.algorithm.name.equals("prime") && !Files.isDirectory(prm)) {
      copyModel(ckpt, prm, tmp -> { });
    }
  }

  /**
   * Copies a model (config.json and model.safetensors, not its optimizer state) to {@code to}
   * through a temporary directory renamed into place; {@code extra} adds files before the rename.
   */
  private static void copyModel(Path from, Path to, ModelCheckpoint.FileWriter extra) throws IOException {
    Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
    Files2.deleteRecursively(tmp);
    Files.createDirectories(tmp);
    Files.copy(from.resolve(ModelCheckpoint.CONFIG), tmp.resolve(ModelCheckpoint.CONFIG));
    Files.copy(from.resolve(ModelCheckpoint.WEIGHTS), tmp.resolve(ModelCheckpoint.WEIGHTS));
    extra.write(tmp);
    Files.move(tmp, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private Transformer initialModel(ModelSpec spec, NDManager manager) {
    if (config.model.checkpoint != null) {
      return ModelCheckpoint.load(Path.of(config.model.checkpoint), manager, DataType.FLOAT32);
    }
    int vocab;
    int eos;
    try (TextTokenizer t = spec.newTokenizer(Integer.MAX_VALUE)) {
      vocab = t.vocabSize();
      eos = t.eosId();
    }
    RunConfig.Init i = config.model.init;
    ModelConfig mc = ModelConfig.builder().vocabSize(vocab).hiddenSize(i.hiddenSize).intermediateSize(i.intermediateSize)
        .layers(i.layers).heads(i.heads).kvHeads(i.kvHeads).maxPositions(i.maxPositions).eosTokenId(eos).build();
    return Transformer.initialize(mc, Seeds.of(config.run.seed, "model-init", 0), manager, DataType.FLOAT32);
  }

  /** The supervised warm start job (resumable: it continues from its newest step checkpoint). */
  private void warmStart(RunDirectory dir, ModelSpec spec, Dataset data, LocalFlinkCluster cluster, Path sft, Path init)
      throws IOException {
    RunConfig.WarmStart w = config.warmStart;
    ArithmeticTeacher teacher = new ArithmeticTeacher(w.carrySlipRate, w.errorRate, w.recheckRate, Seeds.of(config.run.seed, "teacher", 0));
    int done = dev.spro.transforms.stages.SupervisedTraining.lastStep(sft);
    out.printf(Locale.ROOT, "warm start: %d steps on %d teacher solutions (teacher accuracy %.2f)%s%n", w.steps, w.examples,
        teacher.accuracy(data.task(), 2000), done > 0 ? " (resuming after step " + done + ")" : "");
    Pipeline p = Pipeline.create(options(cluster, config.run.name + "-warm-start"));
    var settings = new dev.spro.transforms.stages.SupervisedTraining.Settings(w.steps, w.batchSize, w.lr, w.warmupSteps,
        w.gradClip, w.saveEvery, w.logEvery, Seeds.of(config.run.seed, "sft", 0));
    WarmStart.build(p, sft, init, data.task(), teacher, w.examples, spec, settings, config.flink.parallelism, fault);
    long start = System.nanoTime();
    PipelineResult.State state;
    try (Progress progress = Progress.watch("warm start", sft.resolve("progress"), w.steps, out)) {
      state = p.run().waitUntilFinish();
    }
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("warm start ended in state " + state);
    }
    Path log = sft.resolve("log.jsonl");
    if (Files.exists(log)) {
      for (String line : Files.readAllLines(log)) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = JSON.readValue(line, Map.class);
        Map<String, Object> ordered = new LinkedHashMap<>();
        ordered.put("iteration", 0);
        ordered.put("phase", "sft-" + m.get("step"));
        ordered.putAll(new TreeMap<>(m));
        dir.putMetrics(0, "sft-" + m.get("step"), JSON.writeValueAsString(ordered));
      }
    }
    out.printf(Locale.ROOT, "warm start done in %.0f s%n", (System.nanoTime() - start) / 1e9);
  }

  /** Greedy pass@1 of checkpoint k on the test split, once per evaluated k (iteration 0, every N-th, the last). */
  private void maybeEvaluate(RunDirectory dir, Dataset data, ModelSpec spec, LocalFlinkCluster cluster, int k)
      throws IOException {
    RunConfig.Eval e = config.eval;
    if (e.every <= 0 || data.task() == null || !(k % e.every == 0 || k == config.run.iterations)
        || dir.hasMetrics(k, "eval")) {
      return;
    }
    RunConfig.Sampling s = config.sampling;
    SamplingParams greedy = SamplingParams.greedy(s.maxNewTokens, Set.of(eosId(spec)));
    Evaluation.Result r = Evaluation.run(options(cluster, String.format(Locale.ROOT, "%s-eval-%06d", config.run.name, k)),
        RunLayout.checkpoint(runDir, k), data.task(), e.testSize, spec, greedy, 1, s.batchRows, config.flink.parallelism,
        config.run.seed);
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("iteration", k);
    line.put("phase", "eval");
    line.put(MetricNames.VAL_ACCURACY, r.accuracy());
    line.put("val/response_length", r.meanResponseLength());
    dir.putMetrics(k, "eval", JSON.writeValueAsString(line));
    say(String.format(Locale.ROOT, "eval %4d  test accuracy %.3f  (greedy pass@1, %d problems)  length %.1f", k, r.accuracy(),
        e.testSize, r.meanResponseLength()));
  }

  /** The bar of the RL phase while it runs; its lines go above it. */
  private Progress phase;

  private void say(String line) {
    if (phase != null) {
      phase.println(line);
    } else {
      out.println(line);
    }
  }

  /** The iteration's line of metrics.jsonl: data metrics from its committed outputs, step metrics, timings. */
  Map<String, Object> metrics(int k, PipelineResult result, double seconds) throws IOException {
    Map<String, Object> m = new TreeMap<>();
    BatchMetrics batch = new BatchMetrics();
    long tokens = 0;
    for (ScoredRollout s : readAll(RunLayout.stage(runDir, k, RunLayout.SCORED), ScoredRollout.class)) {
      var r = s.getRollout();
      batch.addResponse(s.getOutcomeReward(), r.getPromptTokenIds().size(), r.getResponseTokenIds().size(),
          r.getFinishReason() == FinishReason.LENGTH);
      batch.addTokenStats(Lists.floats(s.getOldLogprobs()), Lists.floats(s.getRefLogprobs()), Lists.floats(s.getEntropies()),
          r.getResponseTokenIds().size());
      tokens += r.getPromptTokenIds().size() + r.getResponseTokenIds().size();
    }
    for (TrainingExample e : readAll(RunLayout.stage(runDir, k, RunLayout.EXAMPLES), TrainingExample.class)) {
      double[] a = Lists.doubles(e.getAdvantages());
      batch.addAdvantages(a, a.length);
    }
    m.putAll(batch.toMap());
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
    m.put(MetricNames.TIMING_GEN, BeamCounters.sum(result, "spro.sample", "micros") / 1e6);
    m.put(MetricNames.TIMING_REF, BeamCounters.sum(result, "spro.score", "micros") / 1e6);
    m.put(MetricNames.TIMING_UPDATE_ACTOR, BeamCounters.sum(result, "spro.gradient", "micros") / 1e6);
    m.put(MetricNames.TIMING_STEP, seconds);
    m.put(MetricNames.PERF_THROUGHPUT, tokens / seconds);
    m.put(MetricNames.PERF_MAX_MEMORY_GB, peakResidentGb());
    m.put(MetricNames.GROUPS_ALL_CORRECT, BeamCounters.sum(result, "spro.advantage", "groups_all_correct"));
    m.put(MetricNames.GROUPS_ALL_WRONG, BeamCounters.sum(result, "spro.advantage", "groups_all_wrong"));
    m.put(MetricNames.GROUPS_FILTERED, BeamCounters.sum(result, "spro.advantage", "groups_filtered"));
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("iteration", k);
    line.put("phase", "train");
    line.putAll(m);
    return line;
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> List<T> readAll(Path dir, Class<T> type)
      throws IOException {
    List<T> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.filter(f -> f.toString().endsWith(".avro")).sorted().toList()) {
        out.addAll(AvroFiles.read(f, type));
      }
    }
    return out;
  }

  /** Peak resident memory of this process (native engine memory included), from /proc. */
  static double peakResidentGb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
