package dev.spro.pipelines.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.spro.models.engine.DeviceChoice;
import dev.spro.models.train.LrSchedule;
import dev.spro.transforms.loss.KlEstimator;
import dev.spro.transforms.loss.LossAggregation;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Everything a run is made of. Every field has a default, so a config file names only what it
 * changes; an unknown key is an error naming it (a typo must not silently fall back to a
 * default). Sections mirror the pipeline: data, model, sampling, algorithm, loss, optimizer,
 * PRIME, verifiers, Flink, retention. Values are typed where the code branches on them (enums,
 * or the advantage estimator registry for {@code algorithm.name}); {@link #load} checks every
 * value's range ({@link ConfigCheck}) and {@code RunPlan} everything the config refers to, both
 * before a run writes anything.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public final class RunConfig {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .registerModule(ConfigValues.module());

  /** Keys a resume may change: they do not change what the run computes. */
  /**
   * Keys a resume may change. The token budgets size engine calls (like the parallelism): a run
   * that ran out of memory resumes with smaller calls; they are outside the config hash, so runs
   * frozen before they existed keep their hash.
   */
  public static final List<String> RESUME_SAFE = List.of("run.iterations", "flink", "retention", "eval",
      "sampling.batchTokens", "optimizer.microBatchTokens");

  /**
   * Keys that change what a run computes but came after runs were frozen: left out of the hash
   * while they hold the value every earlier run had, so those runs keep their hash.
   */
  static final Map<String, Double> HASHED_UNLESS_AT = Map.of("data.arithmetic.additionShare", 0.5);

  public Run run = new Run();
  public Data data = new Data();
  public Model model = new Model();
  public Sampling sampling = new Sampling();
  public Algorithm algorithm = new Algorithm();
  public Loss loss = new Loss();
  public Optimizer optimizer = new Optimizer();
  public Prime prime = new Prime();
  public Verifiers verifiers = new Verifiers();
  public WarmStart warmStart = new WarmStart();
  public Eval eval = new Eval();
  public Flink flink = new Flink();
  public Retention retention = new Retention();

  /** Where this config came from, for messages: {@code config FILE}, {@code defaults}, a run's {@code run.yaml}. */
  @JsonIgnore public String source = "defaults";

  /** What loading noticed that a user should read (an empty file runs the defaults). */
  @JsonIgnore public final List<String> notes = new ArrayList<>();

  public static final class Run {
    public String name = "spro";
    public long seed = 1;
    public int iterations = 40;
  }

  public static final class Data {
    /** A built-in task ({@code arithmetic}), or null with {@code files}. */
    public String task = "arithmetic";
    /** verl Parquet / JSONL file pattern, used when {@code task} is null. */
    public String files;
    /** Prompts per iteration. */
    public int batchSize = 16;
    public boolean failOnBadRows = false;
    public Arithmetic arithmetic = new Arithmetic();
  }

  public static final class Arithmetic {
    public int minOperands = 2;
    public int maxOperands = 3;
    public int maxOperand = 9;
    public double testShare = 0.2;
    /** Probability that an operator is '+': more additions, more carry steps (the teacher's habit) per problem. */
    public double additionShare = 0.5;
    public int trainSize = 20000;
    public long seed = 7;
  }

  public static final class Model {
    /** A Hugging Face checkpoint directory to start from; null: a new model of shape {@code init}. */
    public String checkpoint;
    public Init init = new Init();
    /** {@code char} (the built-in task's alphabet) or the path of a tokenizer.json. */
    public String tokenizer = "char";
    /** The end-of-response token, for a tokenizer.json. */
    public String eosToken;
    /**
     * How chat messages become the prompt: {@code plain} or {@code chatml} (built in), or
     * {@code model}: the tokenizer's own Jinja template ({@code chat_template.jinja} or the
     * {@code chat_template} of {@code tokenizer_config.json} beside {@code tokenizer}), as
     * transformers and verl render it.
     */
    public String chatTemplate = "plain";
    /** Engine threads per worker (0: all cores). */
    public int threads = 0;
    /**
     * Where workers put the models: {@code cpu}, {@code gpu} (the worker's first visible CUDA GPU;
     * an error without one) or {@code auto} (the GPU when the engine sees one, else the CPU).
     */
    public DeviceChoice.Setting device = DeviceChoice.Setting.AUTO;
  }

  public static final class Init {
    public int hiddenSize = 128;
    public int intermediateSize = 352;
    public int layers = 2;
    public int heads = 4;
    public int kvHeads = 2;
    public int maxPositions = 96;
  }

  public static final class Sampling {
    public int samplesPerPrompt = 8;
    public double temperature = 1.0;
    public int topK = 0;
    public double topP = 1.0;
    public int maxNewTokens = 32;
    /** Sequences per engine call when sampling and scoring. */
    public int batchRows = 64;
    /**
     * At most this many padded tokens (rows × longest row) per sampling or scoring call, 0: rows
     * only. Bounds the calls' memory at real size (with 151,936 tokens of vocabulary the logits
     * of a call are tokens × 0.6 MB).
     */
    public int batchTokens = 0;
  }

  public static final class Algorithm {
    /**
     * An advantage estimator's registry name: grpo, spro, drgrpo, rloo, prime or one of the credit
     * study's arms. GRPO by default because the credit study measured it ahead of SPRO: on its
     * long-chain task by 1.9 points over five seeds at one learning rate, and by 2.7 with each at
     * the rate picked for it, SPRO's the lower and its seeds the wider spread (README, "Does
     * SPRO's process reward assign credit?"); on the built-in task they end level.
     */
    public String name = "grpo";
    public double beta = 0.05;
    public boolean msaStdNorm = false;
    public boolean msaLeaveOneOut = false;
    public double msaCoef = 1.0;
    public boolean msaOnlyMixedGroups = false;
    /**
     * Clip |MSA| at this bound (0: off). On by default: of the guards in bench/stability-grid.sh it
     * was the one that kept SPRO stable and ahead of or level with GRPO under a high learning rate and
     * a high beta (README, "What was measured").
     */
    public double msaClip = 0.2;
    public boolean normByStd = true;
    /** Keep only groups whose accuracy is in [min, max] (PRIME's filter); 0 and 1: off. */
    public double minGroupAccuracy = 0;
    public double maxGroupAccuracy = 1;
  }

  public static final class Loss {
    public double clipLow = 0.2;
    public double clipHigh = 0.2;
    public double dualClip = 3.0;
    public LossAggregation aggregation = LossAggregation.SEQ_MEAN_TOKEN_MEAN;
    public double klCoef = 0;
    public KlEstimator klEstimator = KlEstimator.K3;
    public double entropyCoef = 0;
  }

  public static final class Optimizer {
    public double lr = 1e-4;
    public LrSchedule.Kind schedule = LrSchedule.Kind.CONSTANT;
    public int warmupSteps = 0;
    public double beta1 = 0.9;
    public double beta2 = 0.999;
    public double eps = 1e-8;
    public double weightDecay = 0.01;
    public double gradClip = 1.0;
    public int microBatch = 32;
    /** At most this many padded tokens per gradient micro-batch, 0: rows only (microBatch). */
    public int microBatchTokens = 0;
  }

  /** PRIME's implicit process reward model, trained online on outcome labels. */
  public static final class Prime {
    public double beta = 0.05;
    /** The reward model's learning rate: twice the policy's, the ratio of the PRIME paper (1e-6 vs 5e-7). */
    public double lr = 2e-4;
  }

  public static final class Verifiers {
    public boolean exactMatchFallback = false;
    public Map<String, String> custom = new LinkedHashMap<>();
  }

  /** Supervised warm start on teacher solutions of the built-in task, before RL (iteration 0 and the reference). */
  public static final class WarmStart {
    public boolean enabled = true;
    /** Teacher solutions to train on. */
    public int examples = 4000;
    public int steps = 600;
    public int batchSize = 64;
    public double lr = 3e-3;
    public int warmupSteps = 30;
    public double gradClip = 1.0;
    public int saveEvery = 100;
    public int logEvery = 50;
    /** Probability that the teacher forgets the carry of an addition ({@code 8+5=3}); above 0.5 it is a habit the warm start learns. */
    public double carrySlipRate = 0.6;
    /** Probability that a teacher step is off by 1 or 2 (noise; the error propagates). */
    public double errorRate = 0.05;
    /** Probability of a redundant re-check step after a step. */
    public double recheckRate = 0.3;
  }

  /**
   * Accuracy on held-out prompts: greedy pass@1, and with {@code samples} the mean and pass@k of
   * that many sampled responses, per data source.
   */
  public static final class Eval {
    /** Evaluate iteration 0 and every N-th checkpoint (0: never). */
    public int every = 5;
    /** Test prompts: the built-in task's first N, or at most N rows of {@code files} (0: all of them). */
    public int testSize = 200;
    /** verl Parquet / JSONL test files (a glob in the last path element); null: the built-in task's test split. */
    public String files;
    /** Sampled responses per prompt for mean@k and pass@k, besides the greedy one (0: greedy only). */
    public int samples = 0;
  }

  public static final class Flink {
    /** {@code embedded} (one local cluster for the run, web UI on), {@code direct} (tests), or host:port. */
    public String master = "embedded";
    public int parallelism = 2;
    public int restPort = 8081;
    /**
     * The address every listener of the embedded cluster binds to: REST and web UI, BLOB server,
     * RPC, data exchange. Loopback by default; a machine's address (or 0.0.0.0) exposes them to
     * the network — see the README's Security section before doing so.
     */
    public String host = "localhost";
    /**
     * The embedded cluster's Prometheus endpoint, {@code http://<host>:<port>/metrics}: Flink's
     * metrics and Beam's counters of every stage, and the run's metrics.jsonl values as
     * {@code spro_*} gauges. On a session cluster the driver serves the {@code spro_*} gauges
     * there, and the cluster's processes serve the rest ({@code spro cluster start
     * --prometheus-port}). 0: off.
     */
    public int prometheusPort = 0;
  }

  public static final class Retention {
    /** Keep the last N checkpoints (0: all). */
    public int keepLast = 0;
    /** ... and every M-th (0: none beyond the last N). */
    public int keepEvery = 0;
  }

  /**
   * Defaults, overlaid with {@code file} when given, then range-checked. Every problem is a
   * {@link ConfigException} naming the file and the key.
   */
  public static RunConfig load(Path file) {
    RunConfig c = new RunConfig();
    if (file == null) {
      return c;
    }
    String source = "config " + file;
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (MalformedInputException e) {
      throw new ConfigException(source, "is not UTF-8 text", e);
    } catch (IOException e) {
      throw new ConfigException(source, "cannot be read (" + e + ")", e);
    }
    c.readYaml(text, source);
    c.validate();
    return c;
  }

  /** A run directory's frozen config (its {@code run.yaml}), range-checked. */
  public static RunConfig parse(String yaml, String source) {
    RunConfig c = new RunConfig();
    c.readYaml(yaml, source);
    c.validate();
    return c;
  }

  /** {@link #parse(String, String)} of text that has no file (tests). */
  public static RunConfig parse(String yaml) {
    return parse(yaml, "config");
  }

  private void readYaml(String text, String from) {
    source = from;
    try {
      JsonNode node = YAML.readTree(text);
      if (node == null || node.isMissingNode() || node.isNull()) {
        notes.add(from + " is empty: running the defaults");
        return;
      }
      if (!node.isObject()) {
        throw new ConfigException(from, "the top level must be sections (run:, data:, model:, ...), not " + node.getNodeType());
      }
      YAML.readerForUpdating(this).readValue(node);
    } catch (UnrecognizedPropertyException e) {
      String section = key(e);
      section = section.contains(".") ? section.substring(0, section.lastIndexOf('.')) : "";
      throw new ConfigException(from, "unknown key '" + e.getPropertyName() + "'"
          + (section.isEmpty() ? " at the top level" : " in section '" + section + "'") + "; known: "
          + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")), e);
    } catch (JsonMappingException e) {
      throw new ConfigException(from, key(e) + ": " + e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      var at = e.getLocation();
      throw new ConfigException(from, "is not valid YAML"
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")") + ": "
          + e.getOriginalMessage().lines().findFirst().orElse(""), e);
    } catch (IOException e) {
      throw new ConfigException(from, "cannot be read (" + e.getMessage() + ")", e);
    }
  }

  /** The dotted key a mapping error is about, e.g. {@code loss.aggregation}. */
  private static String key(JsonMappingException e) {
    return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining(".")).replace(".[", "[");
  }

  /** Checks every value's range; a {@link ConfigException} lists all problems at once. */
  public void validate() {
    List<String> problems = ConfigCheck.ranges(this);
    if (!problems.isEmpty()) {
      throw new ConfigException(source, String.join("; ", problems));
    }
  }

  /** The resolved config as YAML. */
  public String toYaml() {
    try {
      return YAML.writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** sha256 of the config without the resume-safe keys: equal hashes compute the same run. */
  public String hash() {
    ObjectNode tree = YAML.valueToTree(this);
    for (String key : RESUME_SAFE) {
      parentOf(tree, key).remove(leafOf(key));
    }
    HASHED_UNLESS_AT.forEach((key, earlier) -> {
      ObjectNode parent = parentOf(tree, key);
      if (parent.path(leafOf(key)).asDouble(Double.NaN) == earlier) {
        parent.remove(leafOf(key));
      }
    });
    try {
      byte[] canonical = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).writeValueAsBytes(sorted(tree));
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The object holding dotted {@code key} ({@code data.arithmetic} for {@code data.arithmetic.seed}). */
  private static ObjectNode parentOf(ObjectNode tree, String key) {
    String[] path = key.split("\\.");
    ObjectNode parent = tree;
    for (int i = 0; i < path.length - 1; i++) {
      parent = (ObjectNode) parent.get(path[i]);
    }
    return parent;
  }

  private static String leafOf(String key) {
    return key.substring(key.lastIndexOf('.') + 1);
  }

  private static JsonNode sorted(JsonNode n) {
    if (!n.isObject()) {
      return n;
    }
    ObjectNode out = new ObjectMapper().createObjectNode();
    java.util.List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    java.util.Collections.sort(names);
    for (String name : names) {
      out.set(name, sorted(n.get(name)));
    }
    return out;
  }

  /** The keys whose values differ between two configs (for a refused resume's message). */
  public static List<String> differences(RunConfig a, RunConfig b) {
    List<String> out = new ArrayList<>();
    diff("", YAML.valueToTree(a), YAML.valueToTree(b), out);
    return out;
  }

  private static void diff(String prefix, JsonNode a, JsonNode b, List<String> out) {
    if (a != null && b != null && a.isObject() && b.isObject()) {
      java.util.Set<String> names = new java.util.TreeSet<>();
      a.fieldNames().forEachRemaining(names::add);
      b.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        diff(prefix.isEmpty() ? n : prefix + "." + n, a.get(n), b.get(n), out);
      }
    } else if (a == null ? b != null : !a.equals(b)) {
      out.add(prefix + " (" + a + " -> " + b + ")");
    }
  }

  public void write(Path file) throws IOException {
    Files.writeString(file, toYaml(), StandardCharsets.UTF_8);
  }
}
