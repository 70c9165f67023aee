package dev.spro.transforms.stages;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.io.AtomicFiles;
import dev.spro.models.nn.Scalars;
import dev.spro.models.nn.Scorer;
import dev.spro.models.nn.Transformer;
import dev.spro.models.train.AdamW;
import dev.spro.models.train.Gradients;
import dev.spro.models.train.LrSchedule;
import dev.spro.schemas.Rollout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The supervised warm start's training loop, on one worker: next-token cross-entropy on the
 * teacher's responses (prompt tokens are context only), AdamW with a cosine schedule and
 * gradient clipping, batches drawn by a seeded permutation per epoch. Every {@code saveEvery}
 * steps the model and optimizer are checkpointed atomically under {@code sft/step-N}, and a
 * restarted job continues from the newest one — bit-identically, as every draw is seeded. Loss
 * and token accuracy go to {@code sft/log.jsonl}; progress ({@code step/total}) to {@code
 * sft/progress}.
 */
public final class SupervisedTraining extends DoFn<Integer, String> {
  public static final String METRICS_NAMESPACE = "spro.sft";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The warm start's settings. */
  public record Settings(int steps, int batchSize, double lr, int warmupSteps, double gradClip, int saveEvery,
      int logEvery, long seed) implements java.io.Serializable {}

  private final Counter steps = Metrics.counter(METRICS_NAMESPACE, "steps");
  private final Distribution lossPermille = Metrics.distribution(METRICS_NAMESPACE, "loss_permille");
  private final String initial;
  private final String workDir;
  private final ModelSpec model;
  private final Settings settings;
  private final PCollectionView<List<Rollout>> data;
  private final FaultInjection fault;

  public SupervisedTraining(Path initial, Path workDir, ModelSpec model, Settings settings,
      PCollectionView<List<Rollout>> data, FaultInjection fault) {
    this.initial = initial.toString();
    this.workDir = workDir.toString();
    this.model = model;
    this.settings = settings;
    this.data = data;
    this.fault = fault;
  }

  public static Path stepDir(Path workDir, int step) {
    return workDir.resolve(String.format(Locale.ROOT, "step-%06d", step));
  }

  /** The newest committed step checkpoint under {@code workDir}, or 0. */
  public static int lastStep(Path workDir) throws IOException {
    if (!Files.isDirectory(workDir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(workDir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("step-\\d{6}"))
          .mapToInt(n -> Integer.parseInt(n.substring(5))).max().orElse(0);
    }
  }

  @ProcessElement
  public void process(ProcessContext c) throws IOException {
    Path work = Path.of(workDir);
    Files.createDirectories(work);
    List<Rollout> examples = new ArrayList<>(c.sideInput(data));
    examples.sort(Comparator.comparing(Rollout::getPromptId));
    int start = lastStep(work);
    forgetLogAfter(work.resolve("log.jsonl"), start);
    Path from = start == 0 ? Path.of(initial) : stepDir(work, start);
    LrSchedule schedule = LrSchedule.cosine(settings.lr(), settings.warmupSteps(), settings.steps(), 0.1);
    try (Transformer m = model.load(from)) {
      NDManager base = m.parameters().values().iterator().next().getManager();
      Path optFile = from.resolve("optimizer.safetensors");
      AdamW.Hyper hyper = new AdamW.Hyper(0.9, 0.99, 1e-8, 0.0);
      AdamW opt = Files.exists(optFile) ? AdamW.load(optFile, hyper, base, m.dataType()) : new AdamW(hyper, base);
      int perEpoch = Math.max(1, examples.size() / settings.batchSize());
      int[] order = null;
      int orderEpoch = -1;
      double lossSum = 0;
      double hitSum = 0;
      int logged = 0;
      for (int step = start; step < settings.steps(); step++) {
        int epoch = step / perEpoch;
        if (epoch != orderEpoch) {
          order = DataCursor.permutation(examples.size(), Seeds.of(settings.seed(), "sft-epoch", epoch));
          orderEpoch = epoch;
        }
        int offset = (step % perEpoch) * settings.batchSize();
        List<int[]> prompts = new ArrayList<>();
        List<int[]> responses = new ArrayList<>();
        for (int i = 0; i < settings.batchSize(); i++) {
          Rollout r = examples.get(order[(offset + i) % examples.size()]);
          prompts.add(Lists.ints(r.getPromptTokenIds()));
          responses.add(Lists.ints(r.getResponseTokenIds()));
        }
        try (NDManager s = base.newSubManager(); GradientCollector g = Engine.getInstance().newGradientCollector()) {
          Scorer.TokenScores ts = Scorer.score(m, s, prompts, responses, 0);
          NDArray nll = ts.logProbs().mul(ts.mask()).sum().div(ts.mask().sum()).neg();
          g.backward(nll);
          double loss = Scalars.value(nll);
          // token accuracy: the target had the highest probability (log-prob above log 0.5 is sufficient)
          lossSum += loss;
          hitSum += Scalars.value(ts.logProbs().gt(Scalars.of(ts.logProbs(), Math.log(0.5))).toType(ts.mask().getDataType(), false)
              .mul(ts.mask()).sum().div(ts.mask().sum()));
          logged++;
          lossPermille.update(Math.round(loss * 1000));
        }
        Gradients.clipGlobalNorm(m.parameters(), settings.gradClip(), base);
        opt.update(m.parameters(), schedule.lr(step));
        Gradients.zero(m.parameters());
        steps.inc();
        int done = step + 1;
        Files.writeString(work.resolve("progress"), done + "/" + settings.steps());
        if (done % settings.logEvery() == 0 || done == settings.steps()) {
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("step", done);
          line.put("phase", "sft");
          line.put("sft/loss", lossSum / logged);
          line.put("sft/token_accuracy", hitSum / logged);
          line.put("sft/lr", schedule.lr(step));
          Files.writeString(work.resolve("log.jsonl"), JSON.writeValueAsString(line) + "\n", StandardOpenOption.CREATE,
              StandardOpenOption.APPEND);
          lossSum = 0;
          hitSum = 0;
          logged = 0;
        }
        if (done % settings.saveEvery() == 0 || done == settings.steps()) {
          AdamW o = opt;
          ModelCheckpoint.save(m, stepDir(work, done), Map.of("optimizer.safetensors", o::save));
        }
        FaultInjection.maybeCrash(fault, done, "sft", work);
      }
      opt.close();
    }
    c.output(stepDir(work, settings.steps()).toString());
  }

  /**
   * A restart repeats the steps after the newest checkpoint, so their log lines (written before a
   * crash) are dropped first: the log then reads as if the job had never stopped.
   */
  static void forgetLogAfter(Path log, int step) throws IOException {
    if (!Files.exists(log)) {
      return;
    }
    List<String> kept = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      if (!line.isBlank() && JSON.readTree(line).path("step").asInt() <= step) {
        kept.add(line);
      }
    }
    AtomicFiles.writeString(log, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
  }

}
