package dev.spro.pipelines.run;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.config.GenerationConfig;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.engine.DjlRuntime;
import dev.spro.models.io.AtomicFiles;
import dev.spro.models.nn.Transformer;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.flink.LocalFlinkCluster;
import dev.spro.transforms.stages.FaultInjection;
import dev.spro.transforms.stages.GradientStep;
import dev.spro.transforms.stages.RunLayout;
import dev.spro.transforms.stages.Seeds;
import dev.spro.transforms.stages.SupervisedTraining;
import dev.spro.transforms.task.ArithmeticTeacher;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;

/**
 * Iteration 0's checkpoint, made once per run directory: the given checkpoint, or a new model —
 * after the supervised warm start when it is on (resumable: it continues from its newest step).
 * The reference model and PRIME's reward model start from it.
 */
final class InitialCheckpoint {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RunPlan plan;
  private final RunConfig config;
  private final RunDirectory dir;
  private final Path runDir;
  private final LocalFlinkCluster cluster;
  private final FaultInjection fault;
  private final PrintStream out;

  InitialCheckpoint(RunPlan plan, RunDirectory dir, LocalFlinkCluster cluster, FaultInjection fault, PrintStream out) {
    this.plan = plan;
    this.config = plan.config();
    this.dir = dir;
    this.runDir = dir.path();
    this.cluster = cluster;
    this.fault = fault;
    this.out = out;
  }

  /** Makes iteration 0's checkpoint (and PRIME's reward model) unless it is already committed. */
  void ensure() throws IOException {
    Path ckpt = RunLayout.checkpoint(runDir, 0);
    Manifests manifests = plan.manifests();
    if (!Files.isDirectory(ckpt)) {
      Files.createDirectories(ckpt.getParent());
      boolean warm = config.warmStart.enabled && config.model.checkpoint == null && plan.task() != null;
      Path sft = runDir.resolve("sft");
      Path init = warm ? sft.resolve("init") : ckpt;
      if (!Files.isDirectory(init)) {
        DjlRuntime.init(DjlRuntime.settings().intraOpThreads(config.model.threads));
        try (NDManager manager = Engine.getInstance().newBaseManager(); Transformer model = initialModel(manager)) {
          Map<String, ModelCheckpoint.FileWriter> extra = new java.util.LinkedHashMap<>();
          if (config.model.checkpoint != null) {
            extra.put(GenerationConfig.FILE, file -> ModelCheckpoint.copyGenerationConfig(Path.of(config.model.checkpoint),
                file.getParent()));
          }
          if (!warm) { // last: the manifest lists the files before it
            extra.put(GradientStep.MANIFEST, file -> manifests.write(file.getParent(), 0, 0, config.run.seed));
          }
          ModelCheckpoint.save(model, init, extra);
        }
      }
      if (warm) {
        warmStart(sft, init);
        copyModel(SupervisedTraining.stepDir(sft, config.warmStart.steps), ckpt,
            tmp -> manifests.write(tmp, 0, 0, config.run.seed));
      }
    }
    Path prm = RunLayout.prm(runDir, 0);
    if (plan.trainsRewardModel() && !Files.isDirectory(prm)) {
      copyModel(ckpt, prm, tmp -> { });
    }
  }

  /** Copies a model (config.json and model.safetensors, not its optimizer state) into place atomically. */
  private static void copyModel(Path from, Path to, ModelCheckpoint.FileWriter extra) throws IOException {
    AtomicFiles.writeDirectory(to, tmp -> {
      Files.copy(from.resolve(ModelCheckpoint.CONFIG), tmp.resolve(ModelCheckpoint.CONFIG));
      Files.copy(from.resolve(ModelCheckpoint.WEIGHTS), tmp.resolve(ModelCheckpoint.WEIGHTS));
      extra.write(tmp);
    });
  }

  private Transformer initialModel(NDManager manager) {
    if (config.model.checkpoint != null) {
      return ModelCheckpoint.load(Path.of(config.model.checkpoint), manager, DataType.FLOAT32);
    }
    RunConfig.Init i = config.model.init;
    ModelConfig mc = ModelConfig.builder().vocabSize(plan.vocabSize()).hiddenSize(i.hiddenSize)
        .intermediateSize(i.intermediateSize).layers(i.layers).heads(i.heads).kvHeads(i.kvHeads)
        .maxPositions(i.maxPositions).eosTokenId(plan.eosId()).build();
    return Transformer.initialize(mc, Seeds.of(config.run.seed, "model-init", 0), manager, DataType.FLOAT32);
  }

  /** The supervised warm start job; its log lines go to metrics.jsonl as phases {@code sft-STEP}. */
  private void warmStart(Path sft, Path init) throws IOException {
    RunConfig.WarmStart w = config.warmStart;
    ArithmeticTeacher teacher = new ArithmeticTeacher(w.carrySlipRate, w.errorRate, w.recheckRate,
        Seeds.of(config.run.seed, "teacher", 0));
    int done = SupervisedTraining.lastStep(sft);
    out.printf(Locale.ROOT, "warm start: %d steps on %d teacher solutions (teacher accuracy %.2f)%s%n", w.steps, w.examples,
        teacher.accuracy(plan.task(), 2000), done > 0 ? " (resuming after step " + done + ")" : "");
    String job = config.run.name + "-warm-start";
    Pipeline p = Pipeline.create(JobOptions.of(config, cluster, job, "supervised warm start: checkpoint 0", null));
    var settings = new SupervisedTraining.Settings(w.steps, w.batchSize, w.lr, w.warmupSteps, w.gradClip, w.saveEvery,
        w.logEvery, Seeds.of(config.run.seed, "sft", 0));
    WarmStart.build(p, sft, init, plan.task(), teacher, w.examples, plan.spec(), settings, config.flink.parallelism, fault);
    long start = System.nanoTime();
    try (Progress progress = Progress.watch("warm start", sft.resolve("progress"), w.steps, out)) {
      StageFailure.run(p, StageFailure.Where.of(runDir, job, () -> "the warm start"));
    }
    Path log = sft.resolve("log.jsonl");
    if (Files.exists(log)) {
      for (String line : Files.readAllLines(log)) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = JSON.readValue(line, Map.class);
        dir.putMetrics(0, "sft-" + m.get("step"), m);
      }
    }
    out.printf(Locale.ROOT, "warm start done in %.0f s%n", (System.nanoTime() - start) / 1e9);
  }
}
