package dev.spro.pipelines.run;

import dev.spro.models.config.GenerationConfig;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.engine.DeviceChoice;
import dev.spro.models.engine.DjlRuntime;
import dev.spro.models.sampling.SamplingParams;
import dev.spro.models.tokenizer.CharTokenizer;
import dev.spro.models.tokenizer.ChatTemplate;
import dev.spro.models.tokenizer.HfChatTemplate;
import dev.spro.models.tokenizer.TextTokenizer;
import dev.spro.models.tokenizer.TokenizerSpec;
import dev.spro.models.train.AdamW;
import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.schemas.Prompt;
import dev.spro.transforms.algo.AdvantageConfig;
import dev.spro.transforms.algo.AdvantageEstimators;
import dev.spro.transforms.loss.PolicyLossConfig;
import dev.spro.transforms.reward.VerifierRegistry;
import dev.spro.transforms.stages.FaultInjection;
import dev.spro.transforms.stages.IterationContext;
import dev.spro.transforms.stages.ModelSpec;
import dev.spro.transforms.stages.RunLayout;
import dev.spro.transforms.stages.TrainSettings;
import dev.spro.transforms.task.ArithmeticTask;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything a run needs, resolved from its config once and checked before anything is written:
 * the dataset (files read, schemas and rows checked), the tokenizer and its end token, the
 * starting checkpoint, custom verifier classes and a verifier for every data source, the device
 * and the web UI port. {@code train}, {@code resume}, {@code sft} and {@code eval} all start
 * here; a problem is a {@link ConfigException} (exit code 2) naming the key and the file.
 */
public final class RunPlan {
  private final RunConfig config;
  private final Dataset dataset;
  private final ModelSpec spec;
  private final int eosId;
  private final Set<Integer> stopIds;
  private final int vocabSize;
  private final Manifests manifests;
  private final List<Prompt> evalPrompts;
  private final List<String> notes = new ArrayList<>();

  private RunPlan(RunConfig config, Dataset dataset, List<Prompt> evalPrompts, ModelSpec spec, int eosId,
      Set<Integer> stopIds, int vocabSize) {
    this.config = config;
    this.dataset = dataset;
    this.evalPrompts = List.copyOf(evalPrompts);
    this.spec = spec;
    this.eosId = eosId;
    this.stopIds = stopIds;
    this.vocabSize = vocabSize;
    this.manifests = new Manifests(config.hash(), dataset.size(), config.data.batchSize, config.algorithm.name);
  }

  /** Resolves and checks {@code config}; touches no run directory. */
  public static RunPlan resolve(RunConfig config) {
    config.validate();
    ModelSpec spec = modelSpec(config);
    int eos;
    int vocab;
    try (TextTokenizer t = spec.newTokenizer(Integer.MAX_VALUE)) {
      eos = t.eosId();
      vocab = t.vocabSize();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(config.source, "model.tokenizer '" + config.model.tokenizer + "': " + e.getMessage(), e);
    }
    List<Integer> checkpointEos = checkCheckpoint(config, spec.tokenizer() instanceof TokenizerSpec.Chars ? vocab : eos + 1);
    Set<Integer> stops = new java.util.TreeSet<>(checkpointEos);
    stops.add(eos);
    Dataset data = Dataset.resolve(config);
    List<Prompt> evalPrompts = Dataset.evalPrompts(config);
    RunPlan plan = new RunPlan(config, data, evalPrompts, spec, eos, Set.copyOf(stops), vocab);
    plan.notes.addAll(config.notes);
    plan.checkVerifiers();
    if (data.size() < config.data.batchSize) {
      throw new ConfigException(config.source, "data.batchSize = " + config.data.batchSize + ": must be at most the "
          + data.size() + " usable rows of the dataset");
    }
    plan.checkDevice();
    return plan;
  }

  public RunConfig config() {
    return config;
  }

  public Dataset dataset() {
    return dataset;
  }

  /** The built-in task, or null when the run reads files. */
  public ArithmeticTask task() {
    return dataset.task();
  }

  public ModelSpec spec() {
    return spec;
  }

  public int eosId() {
    return eosId;
  }

  /**
   * The ids a response ends on: {@code model.eosToken}'s, and every {@code eos_token_id} of the
   * checkpoint's {@code generation_config.json} (as transformers' {@code generate} stops on them).
   */
  public Set<Integer> stopIds() {
    return stopIds;
  }

  public int vocabSize() {
    return vocabSize;
  }

  /** What a user should read before the run starts (bad rows quarantined, an empty config file). */
  public List<String> notes() {
    return notes;
  }

  public SamplingParams sampling() {
    RunConfig.Sampling s = config.sampling;
    return new SamplingParams(s.temperature, s.topK, s.topP, s.maxNewTokens, stopIds);
  }

  public SamplingParams greedy() {
    return SamplingParams.greedy(config.sampling.maxNewTokens, stopIds);
  }

  public Manifests manifests() {
    return manifests;
  }

  /** The verifier settings of the run: its fallback and custom verifier classes. */
  public IterationContext.Reward reward() {
    return new IterationContext.Reward(config.verifiers.exactMatchFallback, Map.copyOf(config.verifiers.custom),
        config.data.failOnBadRows);
  }

  /** The held-out prompts of the periodic evaluation ({@link Dataset#evalPrompts}), read when the plan was made. */
  public List<Prompt> evalPrompts() {
    return evalPrompts;
  }

  /** Whether the run trains PRIME's reward model beside the policy. */
  public boolean trainsRewardModel() {
    return AdvantageEstimators.get(config.algorithm.name).trainsRewardModel();
  }

  /** The stages' view of iteration {@code k} in {@code runDir}. */
  public IterationContext context(Path runDir, int k, FaultInjection fault) {
    RunConfig.Algorithm a = config.algorithm;
    AdvantageConfig adv = AdvantageConfig.builder().beta(a.beta).msaStdNorm(a.msaStdNorm).msaLeaveOneOut(a.msaLeaveOneOut)
        .msaCoef(a.msaCoef).msaOnlyMixedGroups(a.msaOnlyMixedGroups)
        .msaClip(a.msaClip > 0 ? a.msaClip : Double.POSITIVE_INFINITY).normByStd(a.normByStd).build();
    RunConfig.Loss l = config.loss;
    RunConfig.Optimizer o = config.optimizer;
    RunConfig.Sampling s = config.sampling;
    return IterationContext.builder()
        .run(runDir, k, config.run.seed)
        .shards(config.flink.parallelism)
        .model(spec, RunLayout.checkpoint(runDir, 0))
        .sampling(sampling(), s.samplesPerPrompt, s.batchRows, s.batchTokens)
        .reward(config.verifiers.exactMatchFallback, config.verifiers.custom, config.data.failOnBadRows)
        .advantage(a.name, adv, a.minGroupAccuracy, a.maxGroupAccuracy)
        .loss(new PolicyLossConfig(l.clipLow, l.clipHigh, l.dualClip, l.aggregation, 0, l.klCoef, l.klEstimator,
            l.entropyCoef))
        .train(new TrainSettings(o.lr, o.schedule, o.warmupSteps, config.run.iterations,
            new AdamW.Hyper(o.beta1, o.beta2, o.eps, o.weightDecay), o.gradClip, o.microBatch, o.microBatchTokens,
            config.prime.beta,
            config.prime.lr))
        .fault(fault)
        .build();
  }

  /** The tokenizer, chat template, threads and device of {@code config}. */
  static ModelSpec modelSpec(RunConfig config) {
    RunConfig.Model m = config.model;
    TokenizerSpec tokenizer = m.tokenizer.equals("char")
        ? new TokenizerSpec.Chars(config.data.task != null ? ArithmeticTask.ALPHABET : CharTokenizer.arithmetic().alphabet())
        : new TokenizerSpec.HuggingFace(Path.of(m.tokenizer).toAbsolutePath().toString(), m.eosToken);
    return new ModelSpec(tokenizer, chatTemplate(config), m.threads, m.device);
  }

  /**
   * The built-in template {@code model.chatTemplate} names, or with {@code model} the one beside
   * the tokenizer, read and tried on a short conversation now, before anything runs. Its
   * {@code strftime_now} gives today's date (UTC), as transformers' does.
   */
  static ChatTemplate chatTemplate(RunConfig config) {
    String name = config.model.chatTemplate;
    if (!name.equals("model")) {
      return ChatTemplate.of(name);
    }
    Path dir = Path.of(config.model.tokenizer).toAbsolutePath().getParent();
    try {
      return HfChatTemplate.read(dir, LocalDate.now(ZoneOffset.UTC));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(config.source, "model.chatTemplate 'model': " + e.getMessage(), e);
    }
  }

  /** The starting checkpoint has its files and at least {@code tokenIds} embedding rows. */
  /** Checks the checkpoint directory against the tokenizer; returns its generation config's eos ids (none without one). */
  private static List<Integer> checkCheckpoint(RunConfig config, int tokenIds) {
    if (config.model.checkpoint == null) {
      if (!config.model.tokenizer.equals("char")) {
        throw new ConfigException(config.source, "model.checkpoint is not set: a new model (model.init) is made for the "
            + "built-in char tokenizer only; with model.tokenizer '" + config.model.tokenizer + "' start from a Hugging "
            + "Face checkpoint directory (model.checkpoint: DIR)");
      }
      return List.of();
    }
    Path dir = Path.of(config.model.checkpoint);
    if (!Files.isRegularFile(dir.resolve(ModelCheckpoint.CONFIG))) {
      throw new ConfigException(config.source, "model.checkpoint '" + dir + "' has no " + ModelCheckpoint.CONFIG
          + " (a Hugging Face model directory has config.json and model.safetensors, or its shards and their index)");
    }
    try {
      ModelCheckpoint.weightFiles(dir);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(config.source, "model.checkpoint '" + dir + "': " + e.getMessage()
          + " (a Hugging Face model directory has config.json and model.safetensors, or its shards and their index)", e);
    }
    ModelConfig mc;
    try {
      mc = ModelConfig.read(dir.resolve(ModelCheckpoint.CONFIG));
    } catch (RuntimeException e) {
      throw new ConfigException(config.source, "model.checkpoint '" + dir + "': " + e.getMessage(), e);
    }
    if (mc.vocabSize() < tokenIds) {
      throw new ConfigException(config.source, "model.checkpoint '" + dir + "' has " + mc.vocabSize()
          + " embedding rows, but model.tokenizer '" + config.model.tokenizer + "' needs token ids up to " + (tokenIds - 1)
          + ": they do not belong together");
    }
    List<Integer> eos;
    try {
      eos = GenerationConfig.read(dir).eosTokenIds();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(config.source, "model.checkpoint '" + dir + "': " + e.getMessage(), e);
    }
    for (int id : eos) {
      if (id >= mc.vocabSize()) {
        throw new ConfigException(config.source, "model.checkpoint '" + dir + "': " + GenerationConfig.FILE
            + " names eos_token_id " + id + ", but the model has " + mc.vocabSize() + " embedding rows");
      }
    }
    return eos;
  }

  /** Every custom verifier class loads and is a Verifier, and every data source of the dataset has a verifier. */
  private void checkVerifiers() {
    VerifierRegistry registry = VerifierRegistry.standard(config.verifiers.exactMatchFallback);
    for (Map.Entry<String, String> e : config.verifiers.custom.entrySet()) {
      try {
        registry.registerClass(e.getKey(), e.getValue());
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(config.source, "verifiers.custom." + e.getKey() + " = " + e.getValue() + ": "
            + ex.getMessage() + " (a public class implementing dev.spro.transforms.reward.Verifier with a public "
            + "no-argument constructor, on the classpath: SPRO_CLASSPATH for ./spro)", ex);
      }
    }
    for (Map.Entry<String, String> s : dataset.sources().entrySet()) {
      try {
        registry.get(s.getKey());
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(config.source, "data.files: " + ex.getMessage() + "; first seen at " + s.getValue()
            + " (add verifiers.custom.<data_source>: CLASS, or set verifiers.exactMatchFallback: true)", ex);
      }
    }
    for (Prompt p : evalPrompts) {
      try {
        registry.get(p.getDataSource());
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(config.source, "eval.files: " + ex.getMessage() + "; first seen at " + p.getOrigin()
            + " (add verifiers.custom.<data_source>: CLASS, or set verifiers.exactMatchFallback: true)", ex);
      }
    }
    if (dataset.rejectedRows() > 0) {
      String msg = dataset.rejectedRows() + " rows of " + config.data.files + " cannot be used (first: "
          + dataset.firstRejection() + ")";
      if (config.data.failOnBadRows) {
        throw new ConfigException(config.source, msg + "; data.failOnBadRows is set");
      }
      notes.add("warning: " + msg + "; they are quarantined in each iteration's rejected/ output");
    }
  }

  /** {@code gpu} needs a GPU the engine sees here (embedded or direct runs: the workers are this JVM). */
  private void checkDevice() {
    boolean local = config.flink.master.equals("embedded") || config.flink.master.equals("direct");
    if (config.model.device != DeviceChoice.Setting.GPU || !local) {
      return;
    }
    try {
      DeviceChoice.check(DjlRuntime.init(DjlRuntime.settings().intraOpThreads(config.model.threads)),
          DeviceChoice.Setting.GPU);
    } catch (IllegalStateException e) {
      throw new ConfigException(config.source, e.getMessage(), e);
    }
  }

  /**
   * The embedded web UI's port and the Prometheus endpoint's must be free on the address they bind
   * (checked by runs, not by eval): Flink would start without a reporter that cannot listen.
   */
  void checkPort() {
    if (config.flink.master.equals("direct")) {
      return;
    }
    if (config.flink.master.equals("embedded")) {
      checkPort("flink.restPort", config.flink.restPort, "another run's web UI?");
    }
    // on a session cluster the driver itself serves the run's gauges there
    checkPort("flink.prometheusPort", config.flink.prometheusPort, "another run's metrics endpoint, or the cluster's?");
  }

  private void checkPort(String key, int port, String hint) {
    if (port == 0) {
      return;
    }
    String host = config.flink.host;
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      throw new ConfigException(config.source, key + " = " + port + ": cannot listen on " + host + ":" + port
          + " (" + e.getMessage() + "; " + hint + "); choose a free port, or a flink.host of this machine");
    }
  }
}
