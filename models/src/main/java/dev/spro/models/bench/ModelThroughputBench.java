package dev.spro.models.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.engine.DjlRuntime;
import dev.spro.models.nn.Scorer;
import dev.spro.models.nn.Transformer;
import dev.spro.models.sampling.Generator;
import dev.spro.models.sampling.SamplingParams;
import dev.spro.models.train.AdamW;
import dev.spro.models.train.Gradients;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Prints one JSON line per measurement: the fp32 matmul ceiling, then for each model size the
 * training throughput (forward, backward, AdamW) and the generation throughput (KV cache), with
 * the model FLOPs they imply. Args: threads, then sizes ("small", "25m").
 */
public final class ModelThroughputBench {
  static final int BATCH = 8;
  static final int PROMPT = 32;
  static final int RESPONSE = 96;

  private ModelThroughputBench() {}

  /** The benchmark's model sizes; the Python side builds the same ones. */
  static ModelConfig config(String size) {
    return switch (size) {
      case "small" -> ModelConfig.builder().vocabSize(96).hiddenSize(128).intermediateSize(352).layers(4).heads(4)
          .kvHeads(2).maxPositions(256).build();
      case "25m" -> ModelConfig.builder().vocabSize(8192).hiddenSize(512).intermediateSize(1408).layers(7).heads(8)
          .kvHeads(4).maxPositions(256).build();
      default -> throw new IllegalArgumentException("unknown size " + size);
    };
  }

  /** Forward FLOPs per token: 2 per weight of every matmul, plus attention scores and sums. */
  static double forwardFlopsPerToken(ModelConfig c, double contextLength) {
    double matmulWeights = c.parameterCount() - (double) c.vocabSize() * c.hiddenSize() * (c.tieWordEmbeddings() ? 0 : 1)
        - c.numHiddenLayers() * 2.0 * c.hiddenSize() - c.hiddenSize();
    // the tied embedding is used once as the LM head matmul
    double attention = 2.0 * 2 * c.numHiddenLayers() * c.numAttentionHeads() * c.headDim() * contextLength;
    return 2 * matmulWeights + attention;
  }

  public static void main(String[] args) {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    DjlRuntime.init(DjlRuntime.settings().intraOpThreads(threads).interOpThreads(1));
    JniUtils.setGradMode(false);
    try (NDManager manager = Engine.getInstance().newBaseManager()) {
      // Best of three: on a small shared machine the ceiling is the least-disturbed run.
      double ceiling = 0;
      for (int r = 0; r < 3; r++) {
        ceiling = Math.max(ceiling, matmulGflops(manager, 1024, 20));
      }
      System.out.printf(Locale.ROOT, "{\"what\":\"matmul\",\"n\":1024,\"gflops\":%.2f}%n", ceiling);
      for (int i = 1; i < args.length; i++) {
        ModelConfig c = config(args[i]);
        try (Transformer model = Transformer.initialize(c, 1, manager, DataType.FLOAT32)) {
          train(model, manager, args[i], ceiling);
          generate(model, manager, args[i], ceiling);
        }
      }
    }
  }

  static double matmulGflops(NDManager manager, int n, int reps) {
    try (NDManager m = manager.newSubManager()) {
      NDArray a = m.randomNormal(new Shape(n, n));
      NDArray b = m.randomNormal(new Shape(n, n));
      a.matMul(b).close();
      long start = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        try (NDArray c = a.matMul(b)) {
          c.getFloat(0, 0); // force completion
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return 2.0 * n * n * n * reps / seconds / 1e9;
    }
  }

  static List<int[]> randomTokens(SplittableRandom rnd, int count, int length, int vocab) {
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] t = new int[length];
      for (int j = 0; j < length; j++) {
        t[j] = 3 + rnd.nextInt(vocab - 3);
      }
      out.add(t);
    }
    return out;
  }

  static void train(Transformer model, NDManager manager, String size, double ceiling) {
    SplittableRandom rnd = new SplittableRandom(1);
    List<int[]> prompts = randomTokens(rnd, BATCH, PROMPT, model.config().vocabSize());
    List<int[]> responses = randomTokens(rnd, BATCH, RESPONSE, model.config().vocabSize());
    int warmup = 2;
    int steps = size.equals("small") ? 10 : 4;
    try (AdamW opt = new AdamW(AdamW.Hyper.defaults(), manager)) {
      long start = 0;
      for (int s = 0; s < warmup + steps; s++) {
        if (s == warmup) {
          start = System.nanoTime();
        }
        try (NDManager m = manager.newSubManager(); GradientCollector c = Engine.getInstance().newGradientCollector()) {
          Scorer.TokenScores sc = Scorer.score(model, m, prompts, responses, 0);
          c.backward(sc.logProbs().mul(sc.mask()).sum().div(sc.mask().sum()).neg());
        }
        Gradients.clipGlobalNorm(model.parameters(), 1.0, manager);
        opt.update(model.parameters(), 1e-4);
        Gradients.zero(model.parameters());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double tokens = (double) BATCH * (PROMPT + RESPONSE) * steps;
      double flops = 3 * forwardFlopsPerToken(model.config(), (PROMPT + RESPONSE) / 2.0) * tokens;
      report("train", size, model.config(), tokens / seconds, flops / seconds / 1e9, ceiling);
    }
  }

  static void generate(Transformer model, NDManager manager, String size, double ceiling) {
    SplittableRandom rnd = new SplittableRandom(2);
    List<int[]> prompts = randomTokens(rnd, BATCH, PROMPT, model.config().vocabSize());
    long[] seeds = new long[BATCH];
    SamplingParams p = new SamplingParams(1.0, 0, 1.0, RESPONSE, Set.of());
    Generator.generate(model, manager, prompts, seeds, new SamplingParams(1.0, 0, 1.0, 4, Set.of()), 0); // warm-up
    int reps = size.equals("small") ? 3 : 1;
    long start = System.nanoTime();
    for (int r = 0; r < reps; r++) {
      Generator.generate(model, manager, prompts, seeds, p, 0);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double tokens = (double) BATCH * RESPONSE * reps;
    double flops = forwardFlopsPerToken(model.config(), PROMPT + RESPONSE / 2.0) * (tokens + BATCH * PROMPT * reps);
    report("generate", size, model.config(), tokens / seconds, flops / seconds / 1e9, ceiling);
  }

  static void report(String what, String size, ModelConfig c, double tokensPerSecond, double gflops, double ceiling) {
    System.out.printf(Locale.ROOT,
        "{\"what\":\"%s\",\"size\":\"%s\",\"params\":%d,\"tokens_per_s\":%.1f,\"gflops\":%.2f,\"mfu\":%.4f}%n",
        what, size, c.parameterCount(), tokensPerSecond, gflops, gflops / ceiling);
  }
}
