package dev.spro.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.spro.models.engine.DjlRuntime;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Per-token log-probabilities and entropies of given responses under a model: one full forward
 * over {@code [prompt | response]}, untempered. With a gradient collector open the log-probs are
 * part of the graph (the gradient step); without, they are plain numbers (scoring stages).
 */
public final class Scorer {
  private Scorer() {}

  /**
   * Tensors {@code [B, responseWidth]}: log pi(y_t | prefix), entropy of pi at each step, and the
   * 0/1 mask of real response tokens.
   */
  public record TokenScores(NDArray logProbs, NDArray entropy, NDArray mask) {}

  /**
   * Most elements of one chunk of logits ({@code [rows, columns, vocab]}): 32M floats, 128 MB.
   * The logits of a batch are computed a chunk of response columns at a time, so with a
   * 151,936-token vocabulary a scoring stage never holds {@code [rows, T, vocab]} at once.
   */
  public static final long CHUNK_ELEMENTS = 32L << 20;

  /** Scores in {@code m} (every temporary lands there too; close it when done), entropy with its gradient. */
  public static TokenScores score(Transformer model, NDManager m, List<int[]> prompts, List<int[]> responses, int pad) {
    return score(model, m, prompts, responses, pad, true, false);
  }

  /**
   * As above. {@code entropyGradient} false computes the entropy outside the graph (a loss
   * without an entropy term needs none, and it saves two copies of the logits for the backward);
   * {@code freeChunks} frees each chunk's logits as soon as its columns are scored (only without
   * a gradient: the backward needs them).
   */
  public static TokenScores score(Transformer model, NDManager m, List<int[]> prompts, List<int[]> responses, int pad,
      boolean entropyGradient, boolean freeChunks) {
    for (int i = 0; i < responses.size(); i++) {
      if (responses.get(i).length == 0) {
        throw new IllegalArgumentException("response " + i + " is empty: there is nothing to score");
      }
    }
    Layout layout = Layout.of(prompts, responses, pad);
    NDArray hidden = model.hiddenStates(m, layout.tokens(), layout.positions(), layout.valid(), null);
    return scoreHidden(model, m, hidden, layout.promptWidth(), responses, entropyGradient, freeChunks);
  }

  /** Scores from the hidden states of {@code [prompt | response]} (prompts {@code pw} columns wide). */
  private static TokenScores scoreHidden(Transformer model, NDManager m, NDArray hidden, int pw, List<int[]> responses,
      boolean entropyGradient, boolean freeChunks) {
    int b = responses.size();
    int rw = (int) hidden.getShape().get(1) - pw;
    float[] mask = new float[b * rw];
    for (int i = 0; i < b; i++) {
      Arrays.fill(mask, i * rw, i * rw + responses.get(i).length, 1f);
    }
    NDArray index = targets(m, responses, b, rw);
    int columns = chunkColumns(model, b, rw);
    NDList tokenLogps = new NDList();
    NDList entropies = new NDList();
    for (int from = 0; from < rw; from += columns) {
      int to = Math.min(rw, from + columns);
      NDManager chunk = freeChunks ? m.newSubManager() : m;
      // The token at column pw + j is predicted by the hidden state at column pw + j - 1.
      NDArray predicting = hidden.get(":, " + (pw - 1 + from) + ":" + (pw - 1 + to));
      predicting.attach(chunk);
      NDArray logp = model.logits(predicting).logSoftmax(-1);
      NDArray chunkIndex = index.get(":, " + from + ":" + to + ", :");
      chunkIndex.attach(chunk);
      NDArray tokenLogp = logp.gather(chunkIndex, 2).reshape(b, to - from);
      NDArray plain = entropyGradient ? logp : logp.stopGradient();
      NDArray entropy = plain.exp().mul(plain).sum(new int[] {2}).neg();
      if (freeChunks) {
        tokenLogp.attach(m);
        entropy.attach(m);
        chunk.close();
      }
      tokenLogps.add(tokenLogp);
      entropies.add(entropy);
    }
    NDArray tokenLogp = tokenLogps.size() == 1 ? tokenLogps.head() : NDArrays.concat(tokenLogps, 1);
    NDArray entropy = entropies.size() == 1 ? entropies.head() : NDArrays.concat(entropies, 1);
    NDArray maskArray = m.create(mask, new Shape(b, rw));
    if (model.dataType() != DataType.FLOAT32) {
      maskArray = maskArray.toType(model.dataType(), false);
    }
    NDArray zero = Scalars.of(tokenLogp, 0);
    // Padding positions hold the log-prob of token 0 at some column: zero them for clarity.
    return new TokenScores(
        NDArrays.where(maskArray.gt(zero), tokenLogp, zero),
        NDArrays.where(maskArray.gt(zero), entropy, zero),
        maskArray);
  }

  /** Response columns per chunk of logits. */
  private static int chunkColumns(Transformer model, int rows, int responseWidth) {
    return (int) Math.max(1, Math.min(responseWidth, CHUNK_ELEMENTS / ((long) rows * model.config().vocabSize())));
  }

  /** The response tokens as gather indices {@code [rows, responseWidth, 1]} (0 past a response's end). */
  private static NDArray targets(NDManager m, List<int[]> responses, int b, int rw) {
    long[] targets = new long[b * rw];
    for (int i = 0; i < b; i++) {
      int[] r = responses.get(i);
      for (int j = 0; j < r.length; j++) {
        targets[i * rw + j] = r[j];
      }
    }
    return m.create(targets, new Shape(b, rw, 1));
  }

  /**
   * Whether scoring {@code rows} responses of {@code responseWidth} tokens takes more than one
   * chunk of logits: then {@link #backward} keeps one chunk alive at a time instead of all of them.
   */
  public static boolean needsChunks(Transformer model, int rows, int responseWidth) {
    return (long) rows * responseWidth * model.config().vocabSize() > CHUNK_ELEMENTS;
  }

  /**
   * The gradient of {@code loss(scores)} into the model's parameters, with the logits of one chunk
   * alive at a time. A plain backward keeps every chunk's logits (and their log-softmax and
   * entropy) until it runs — {@code [rows, T, vocab]} several times over, 0.5 GB per copy at 8
   * rows, 112 tokens and 151,936 ids. Here the output layer is recomputed instead:
   *
   * <ol>
   *   <li>the hidden states, with their graph; a detached copy {@code h} that collects their gradient;
   *   <li>the per-token log-probs and entropies from {@code h}, a chunk at a time, without a graph;
   *   <li>the loss on those as leaves, and its backward: {@code dL/dlogp} and {@code dL/dentropy}
   *       per token, {@code [rows, T]};
   *   <li>per chunk, the logits again from {@code h} with their graph, and the backward of
   *       {@code sum(logp * dL/dlogp + entropy * dL/dentropy)} — the output layer's share of the
   *       gradient, and {@code h}'s; the chunk is freed;
   *   <li>the backward of {@code sum(hidden * dL/dh)} through the layers.
   * </ol>
   *
   * The gradient is the plain backward's up to float summation order (the output weights add
   * chunk by chunk). Returns what {@code loss} returned, computed on the leaves.
   */
  public static <R> R backward(Transformer model, NDManager m, List<int[]> prompts, List<int[]> responses,
      boolean entropyGradient, Function<TokenScores, R> loss, Function<R, NDArray> scalar, GradientCollector collector) {
    Layout layout = Layout.of(prompts, responses, 0);
    int b = prompts.size();
    int pw = layout.promptWidth();
    int rw = layout.responseWidth();
    NDArray hidden = model.hiddenStates(m, layout.tokens(), layout.positions(), layout.valid(), null);
    NDArray h = hidden.stopGradient();
    h.setRequiresGradient(true);
    TokenScores values;
    try (DjlRuntime.GradScope noGrad = DjlRuntime.noGrad()) {
      values = scoreHidden(model, m, h, pw, responses, false, true);
    }
    NDArray logpLeaf = values.logProbs().duplicate();
    logpLeaf.setRequiresGradient(true);
    NDArray entropyLeaf = values.entropy().duplicate();
    if (entropyGradient) {
      entropyLeaf.setRequiresGradient(true);
    }
    NDArray zero = Scalars.of(logpLeaf, 0);
    NDArray real = values.mask().gt(zero);
    R result = loss.apply(new TokenScores(NDArrays.where(real, logpLeaf, zero), NDArrays.where(real, entropyLeaf, zero),
        values.mask()));
    collector.backward(scalar.apply(result));
    NDArray dLogp = logpLeaf.getGradient();
    NDArray dEntropy = entropyGradient ? entropyLeaf.getGradient() : null;
    int columns = chunkColumns(model, b, rw);
    NDArray index = targets(m, responses, b, rw);
    for (int from = 0; from < rw; from += columns) {
      int to = Math.min(rw, from + columns);
      try (NDManager chunk = m.newSubManager()) {
        NDArray predicting = h.get(":, " + (pw - 1 + from) + ":" + (pw - 1 + to));
        predicting.attach(chunk);
        NDArray logp = model.logits(predicting).logSoftmax(-1);
        NDArray chunkIndex = index.get(":, " + from + ":" + to + ", :");
        chunkIndex.attach(chunk);
        NDArray part = logp.gather(chunkIndex, 2).reshape(b, to - from).mul(slice(dLogp, from, to, chunk)).sum();
        if (dEntropy != null) {
          NDArray entropy = logp.exp().mul(logp).sum(new int[] {2}).neg();
          part = part.add(entropy.mul(slice(dEntropy, from, to, chunk)).sum());
        }
        collector.backward(part);
      }
    }
    collector.backward(hidden.mul(h.getGradient()).sum());
    return result;
  }

  private static NDArray slice(NDArray perToken, int from, int to, NDManager chunk) {
    NDArray s = perToken.get(":, " + from + ":" + to);
    s.attach(chunk);
    return s;
  }

  /** Plain arrays, no gradient: {@code [0]} log-probs and {@code [1]} entropies, each response its own length. */
  public static float[][][] scoreToArrays(Transformer model, NDManager parent, List<int[]> prompts, List<int[]> responses,
      int pad) {
    try (DjlRuntime.GradScope noGrad = DjlRuntime.noGrad(); NDManager m = parent.newSubManager()) {
      TokenScores s = score(model, m, prompts, responses, pad, false, true);
      int rw = (int) s.logProbs().getShape().get(1);
      float[] lp = s.logProbs().toType(DataType.FLOAT32, false).toFloatArray();
      float[] ent = s.entropy().toType(DataType.FLOAT32, false).toFloatArray();
      float[][][] out = new float[2][responses.size()][];
      for (int i = 0; i < responses.size(); i++) {
        int n = responses.get(i).length;
        out[0][i] = Arrays.copyOfRange(lp, i * rw, i * rw + n);
        out[1][i] = Arrays.copyOfRange(ent, i * rw, i * rw + n);
      }
      return out;
    }
  }
}
