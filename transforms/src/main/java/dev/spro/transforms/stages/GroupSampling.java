package dev.spro.transforms.stages;

import dev.spro.models.engine.NativeMemory;
import dev.spro.transforms.metrics.ProcessMemory;
import dev.spro.transforms.metrics.TaskClock;
import dev.spro.models.nn.Transformer;
import dev.spro.models.sampling.Generation;
import dev.spro.models.sampling.Generator;
import dev.spro.models.tokenizer.TextTokenizer;
import dev.spro.schemas.FinishReason;
import dev.spro.schemas.Prompt;
import dev.spro.schemas.RejectedRow;
import dev.spro.schemas.Rollout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Stage 2: G responses per prompt from the policy of this iteration. Prompts go to shards by id;
 * a worker takes the JVM's resident policy ({@link ResidentModels}), sorts its prompts, and samples them in batches
 * of {@code batchRows} sequences with the KV cache, sample i of prompt p drawing from the seed
 * (run seed, iteration, p, i). A prompt too long for the model's context is rejected with its
 * origin (or fails the run with {@code failOnBadRows}).
 */
public final class GroupSampling extends PTransform<PCollection<Prompt>, PCollectionTuple> {
  public static final TupleTag<Rollout> ROLLOUTS = new TupleTag<>() {};
  public static final TupleTag<RejectedRow> TOO_LONG = new TupleTag<>() {};
  public static final String METRICS_NAMESPACE = "spro.sample";

  private final IterationContext ctx;

  public GroupSampling(IterationContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public PCollectionTuple expand(PCollection<Prompt> prompts) {
    PCollectionTuple out = prompts
        .apply("Shards", Shards.group(Prompt::getId, AvroCoder.of(Prompt.class), ctx.shards()))
        .apply("Sample", ParDo.of(new SampleFn(ctx)).withOutputTags(ROLLOUTS, TupleTagList.of(TOO_LONG)));
    out.get(ROLLOUTS).setCoder(AvroCoder.of(Rollout.class));
    out.get(TOO_LONG).setCoder(AvroCoder.of(RejectedRow.class));
    return out;
  }

  static final class SampleFn extends DoFn<KV<Integer, Iterable<Prompt>>, Rollout> {
    private final Counter rollouts = Metrics.counter(METRICS_NAMESPACE, "rollouts");
    private final Counter truncated = Metrics.counter(METRICS_NAMESPACE, "hit_max_length");
    private final Counter tooLong = Metrics.counter(METRICS_NAMESPACE, "prompts_too_long");
    private final Counter micros = Metrics.counter(METRICS_NAMESPACE, "micros");
    private final TaskClock clock = new TaskClock(METRICS_NAMESPACE);
    private final Distribution responseLength = Metrics.distribution(METRICS_NAMESPACE, "response_length");
    private final IterationContext ctx;
    private transient ResidentModels.Lease policyLease;
    private transient Transformer policy;
    private transient TextTokenizer tokenizer;

    SampleFn(IterationContext ctx) {
      this.ctx = ctx;
    }

    /** The resident policy, taken at the first element (so the load is counted in the stage's metrics). */
    private void acquire() {
      if (policyLease == null) {
        policyLease = ResidentModels.acquire(ctx.model(), ctx.policy());
        policy = policyLease.model();
        tokenizer = ctx.model().newTokenizer(policy.config().vocabSize());
      }
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<Prompt>> shard, MultiOutputReceiver out) {
      try (ProcessMemory.Window memory = ProcessMemory.open(METRICS_NAMESPACE)) {
        ctx.maybeCrash("sample");
        acquire();
        long start = System.nanoTime();
        List<Prompt> prompts = new ArrayList<>();
        shard.getValue().forEach(prompts::add);
        prompts.sort(Comparator.comparing(Prompt::getId));
        int context = policy.config().maxPositionEmbeddings();
        List<Prompt> rowPrompt = new ArrayList<>();
        List<int[]> rowTokens = new ArrayList<>();
        List<Integer> rowSample = new ArrayList<>();
        for (Prompt p : prompts) {
          int[] tokens;
          try {
            tokens = ctx.model().encodePrompt(tokenizer, p);
          } catch (IllegalArgumentException e) {
            reject(out, p, e.getMessage());
            continue;
          }
          if (tokens.length + ctx.sampling().params().maxNewTokens() > context) {
            reject(out, p, "prompt has " + tokens.length + " tokens; with " + ctx.sampling().params().maxNewTokens()
                + " new tokens it exceeds the model's context of " + context);
            continue;
          }
          for (int i = 0; i < ctx.sampling().samplesPerPrompt(); i++) {
            rowPrompt.add(p);
            rowTokens.add(tokens);
            rowSample.add(i);
          }
        }
        List<Integer> rows = java.util.stream.IntStream.range(0, rowPrompt.size()).boxed().toList();
        int newTokens = ctx.sampling().params().maxNewTokens();
        for (List<Integer> call : MicroBatches.split(rows, ctx.sampling().batchRows(), ctx.sampling().batchTokens(),
            r -> rowTokens.get(r).length + newTokens)) {
          int from = call.get(0);
          int to = from + call.size();
          long[] seeds = new long[to - from];
          for (int r = from; r < to; r++) {
            seeds[r - from] = Seeds.sample(ctx.runSeed(), ctx.iteration(), rowPrompt.get(r).getId(), rowSample.get(r));
          }
          List<Generation> gens = Generator.generate(policy, policy.parameters().values().iterator().next().getManager(),
              rowTokens.subList(from, to), seeds, ctx.sampling().params().withVocabLimit(tokenizer.tokenCount()),
              tokenizer.padId());
          NativeMemory.release(); // the batch's cache and steps, freed in arenas of changing sizes
          for (int r = from; r < to; r++) {
            Generation g = gens.get(r - from);
            Prompt p = rowPrompt.get(r);
            out.get(ROLLOUTS).output(Rollout.newBuilder()
                .setPromptId(p.getId())
                .setSampleIndex(rowSample.get(r))
                .setIteration(ctx.iteration())
                .setSeed(seeds[r - from])
                .setDataSource(p.getDataSource())
                .setGroundTruth(p.getGroundTruth())
                .setPromptTokenIds(Lists.of(rowTokens.get(r)))
                .setResponseTokenIds(Lists.of(g.tokens()))
                .setSamplerLogprobs(Lists.of(g.samplerLogProbs()))
                .setFinishReason(g.stopped() ? FinishReason.STOP : FinishReason.LENGTH)
                .setResponseText(tokenizer.decode(g.tokens()))
                .build());
            rollouts.inc();
            responseLength.update(g.tokens().length);
            if (!g.stopped()) {
              truncated.inc();
            }
          }
        }
        micros.inc(clock.addSince(start));
      }
    }

    private void reject(MultiOutputReceiver out, Prompt p, String reason) {
      tooLong.inc();
      String origin = p.getOrigin() == null ? p.getId() : p.getOrigin();
      if (ctx.reward().failOnBadRows()) {
        throw new IllegalArgumentException(origin + ": prompt: " + reason);
      }
      int colon = origin.lastIndexOf(':');
      long row = colon > 0 ? parseOr(origin.substring(colon + 1)) : 0;
      out.get(TOO_LONG).output(new RejectedRow(colon > 0 ? origin.substring(0, colon) : origin, row, "prompt", reason));
    }

    private static long parseOr(String s) {
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        return 0;
      }
    }

    @FinishBundle
    public void finishBundle() {
      clock.finishBundle();
    }

    @Teardown
    public void teardown() {
      if (policyLease != null) {
        policyLease.close();
      }
      if (tokenizer != null) {
        tokenizer.close();
      }
    }
  }
}
