package dev.spro.transforms.stages;

import dev.spro.models.nn.Transformer;
import dev.spro.models.sampling.Generation;
import dev.spro.models.sampling.Generator;
import dev.spro.models.sampling.SamplingParams;
import dev.spro.models.tokenizer.TextTokenizer;
import dev.spro.schemas.Prompt;
import dev.spro.transforms.reward.Verifier;
import dev.spro.transforms.reward.VerifierRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;

/**
 * Accuracy of a checkpoint on held-out prompts: {@code samples} responses per prompt (greedy when
 * the sampling params say so), each verified by its data source's verifier. The counts are Beam
 * counters in namespace {@code spro.eval.<label>}, per data source: {@code <ds>/responses},
 * {@code <ds>/correct}, {@code <ds>/response_tokens}, and {@code <ds>/prompts_correct_<c>} — the
 * prompts with exactly c correct responses, from which mean@k and the unbiased pass@j follow
 * ({@link #counter}).
 */
public final class Evaluate extends PTransform<PCollection<Prompt>, PDone> {
  private final String label;
  private final String checkpoint;
  private final ModelSpec model;
  private final SamplingParams sampling;
  private final int samples;
  private final int batchRows;
  private final int shards;
  private final long seed;
  private final IterationContext.Reward reward;

  public Evaluate(String label, Path checkpoint, ModelSpec model, SamplingParams sampling, int samples, int batchRows,
      int shards, long seed, IterationContext.Reward reward) {
    this.label = label;
    this.checkpoint = checkpoint.toString();
    this.model = model;
    this.sampling = sampling;
    this.samples = samples;
    this.batchRows = batchRows;
    this.shards = shards;
    this.seed = seed;
    this.reward = reward;
  }

  public static String namespace(String label) {
    return "spro.eval." + label;
  }

  /** The counter {@code name} of data source {@code dataSource}. */
  public static String counter(String dataSource, String name) {
    return dataSource + "/" + name;
  }

  /** The counter of prompts with exactly {@code correct} correct responses. */
  public static String promptsCorrect(String dataSource, int correct) {
    return counter(dataSource, "prompts_correct_" + correct);
  }

  @Override
  public PDone expand(PCollection<Prompt> prompts) {
    prompts
        .apply("Shards", Shards.group(Prompt::getId, AvroCoder.of(Prompt.class), shards))
        .apply("Answer", ParDo.of(new EvalFn(this)));
    return PDone.in(prompts.getPipeline());
  }

  static final class EvalFn extends DoFn<KV<Integer, Iterable<Prompt>>, Void> {
    private final Evaluate spec;
    private final String ns;
    private transient Transformer policy;
    private transient TextTokenizer tokenizer;
    private transient VerifierRegistry registry;

    EvalFn(Evaluate spec) {
      this.spec = spec;
      this.ns = namespace(spec.label);
    }

    private Counter counter(String name) {
      return Metrics.counter(ns, name);
    }

    @Setup
    public void setup() {
      policy = spec.model.load(Path.of(spec.checkpoint));
      tokenizer = spec.model.newTokenizer(policy.config().vocabSize());
      registry = spec.reward.registry();
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<Prompt>> shard) {
      List<Prompt> ps = new ArrayList<>();
      shard.getValue().forEach(ps::add);
      ps.sort(Comparator.comparing(Prompt::getId));
      List<Prompt> rowPrompt = new ArrayList<>();
      List<int[]> rowTokens = new ArrayList<>();
      List<Long> rowSeeds = new ArrayList<>();
      for (Prompt p : ps) {
        int[] t = spec.model.encodePrompt(tokenizer, p);
        for (int i = 0; i < spec.samples; i++) {
          rowPrompt.add(p);
          rowTokens.add(t);
          rowSeeds.add(Seeds.sample(spec.seed, -1, p.getId(), i));
        }
      }
      java.util.Map<Prompt, Integer> right = new java.util.LinkedHashMap<>();
      for (int from = 0; from < rowPrompt.size(); from += spec.batchRows) {
        int to = Math.min(rowPrompt.size(), from + spec.batchRows);
        long[] seeds = rowSeeds.subList(from, to).stream().mapToLong(Long::longValue).toArray();
        List<Generation> gens = Generator.generate(policy, policy.parameters().values().iterator().next().getManager(),
            rowTokens.subList(from, to), seeds, spec.sampling.withVocabLimit(tokenizer.tokenCount()), tokenizer.padId());
        for (int r = from; r < to; r++) {
          Prompt p = rowPrompt.get(r);
          Generation g = gens.get(r - from);
          Verifier.Result v = registry.get(p.getDataSource()).verify(tokenizer.decode(g.tokens()), p.getGroundTruth());
          boolean ok = v.score() > 0.5;
          String ds = p.getDataSource();
          counter(Evaluate.counter(ds, "responses")).inc();
          counter(Evaluate.counter(ds, "response_tokens")).inc(g.tokens().length);
          if (ok) {
            counter(Evaluate.counter(ds, "correct")).inc();
          }
          right.merge(p, ok ? 1 : 0, Integer::sum);
        }
      }
      right.forEach((p, c) -> counter(promptsCorrect(p.getDataSource(), c)).inc());
    }

    @Teardown
    public void teardown() {
      if (policy != null) {
        policy.close();
      }
    }
  }
}
