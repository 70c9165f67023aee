package dev.spro.pipelines.config;

import dev.spro.transforms.algo.AdvantageEstimators;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The range of every value a config holds, checked without touching a file: each problem names
 * the key, the bad value and what is allowed. What the config refers to (files, classes, the
 * device, the port) is checked by {@code RunPlan}, which also needs no worker.
 */
public final class ConfigCheck {
  private final List<String> problems = new ArrayList<>();

  private ConfigCheck() {}

  /** Every range problem of {@code c}, in section order; empty when it is fine. */
  public static List<String> ranges(RunConfig c) {
    ConfigCheck k = new ConfigCheck();
    k.run(c.run);
    k.data(c.data);
    k.model(c.model);
    k.sampling(c.sampling);
    k.algorithm(c.algorithm);
    k.stepChecker(c);
    k.loss(c.loss);
    k.optimizer(c.optimizer);
    k.atLeast("prime.beta", c.prime.beta, 0, false);
    k.atLeast("prime.lr", c.prime.lr, 0, false);
    k.warmStart(c.warmStart);
    k.atLeast("eval.every", c.eval.every, 0);
    k.atLeast("eval.testSize", c.eval.testSize, c.eval.files != null ? 0 : 1);
    k.atLeast("eval.samples", c.eval.samples, 0);
    k.require(c.eval.samples != 1, "eval.samples", c.eval.samples,
        "0 (greedy only) or at least 2 (mean@k and pass@k; the greedy pass already gives mean@1)");
    k.flink(c.flink);
    k.atLeast("retention.keepLast", c.retention.keepLast, 0);
    k.atLeast("retention.keepEvery", c.retention.keepEvery, 0);
    return k.problems;
  }

  private void run(RunConfig.Run r) {
    atLeast("run.iterations", r.iterations, 0);
    require(r.name != null && r.name.matches("[A-Za-z0-9._-]+"), "run.name", r.name,
        "letters, digits, '.', '_' and '-' (it names the run directory and the Flink jobs)");
  }

  private void data(RunConfig.Data d) {
    if ((d.task == null) == (d.files == null)) {
      problems.add("data.task (" + d.task + ") and data.files (" + d.files + "): set exactly one of them "
          + "(data.task: arithmetic for the built-in task, or data.task: null with data.files: PATTERN)");
    }
    require(d.task == null || d.task.equals("arithmetic"), "data.task", d.task, "arithmetic (the built-in task), or null with data.files");
    atLeast("data.batchSize", d.batchSize, 1);
    RunConfig.Arithmetic a = d.arithmetic;
    atLeast("data.arithmetic.minOperands", a.minOperands, 2);
    atLeast("data.arithmetic.maxOperands", a.maxOperands, a.minOperands);
    atLeast("data.arithmetic.maxOperand", a.maxOperand, 1);
    require(a.testShare > 0 && a.testShare < 1, "data.arithmetic.testShare", a.testShare, "a share strictly between 0 and 1");
    probability("data.arithmetic.additionShare", a.additionShare);
    atLeast("data.arithmetic.trainSize", a.trainSize, Math.max(1, d.batchSize));
  }

  private void model(RunConfig.Model m) {
    atLeast("model.threads", m.threads, 0);
    require(m.tokenizer != null && !m.tokenizer.isBlank(), "model.tokenizer", m.tokenizer, "char, or the path of a tokenizer.json");
    if (m.tokenizer != null && !m.tokenizer.equals("char")) {
      require(m.eosToken != null && !m.eosToken.isEmpty(), "model.eosToken", m.eosToken,
          "the end-of-response token of the tokenizer.json (e.g. <|im_end|>); required with a tokenizer.json");
    }
    require(java.util.List.of("plain", "chatml", "model").contains(m.chatTemplate), "model.chatTemplate", m.chatTemplate,
        "plain, chatml, or model (the tokenizer's own template)");
    if ("model".equals(m.chatTemplate)) {
      require(!"char".equals(m.tokenizer), "model.chatTemplate", m.chatTemplate,
          "plain or chatml with the built-in char tokenizer; model needs the tokenizer.json of a Hugging Face tokenizer");
    }
    RunConfig.Init i = m.init;
    atLeast("model.init.hiddenSize", i.hiddenSize, 1);
    atLeast("model.init.intermediateSize", i.intermediateSize, 1);
    atLeast("model.init.layers", i.layers, 1);
    atLeast("model.init.heads", i.heads, 1);
    atLeast("model.init.kvHeads", i.kvHeads, 1);
    atLeast("model.init.maxPositions", i.maxPositions, 2);
    if (i.heads > 0 && i.kvHeads > 0) {
      require(i.hiddenSize % i.heads == 0 && (i.hiddenSize / i.heads) % 2 == 0, "model.init.hiddenSize", i.hiddenSize,
          "a multiple of model.init.heads (" + i.heads + ") with an even head size (RoPE rotates pairs)");
      require(i.heads % i.kvHeads == 0, "model.init.kvHeads", i.kvHeads, "a divisor of model.init.heads (" + i.heads + ")");
    }
  }

  private void sampling(RunConfig.Sampling s) {
    require(s.samplesPerPrompt >= 2, "sampling.samplesPerPrompt", s.samplesPerPrompt, ">= 2 (an advantage compares the "
        + "responses to one prompt with each other: with one response per prompt every advantage is 0)");
    require(Double.isFinite(s.temperature) && s.temperature > 0, "sampling.temperature", s.temperature,
        "> 0: with " + s.samplesPerPrompt + " samples per prompt a temperature of 0 draws the same response "
            + s.samplesPerPrompt + " times, so every advantage and every gradient is 0");
    atLeast("sampling.topK", s.topK, 0);
    require(s.topP > 0 && s.topP <= 1, "sampling.topP", s.topP, "in (0, 1] (1: off)");
    atLeast("sampling.maxNewTokens", s.maxNewTokens, 1);
    atLeast("sampling.batchRows", s.batchRows, 1);
    atLeast("sampling.batchTokens", s.batchTokens, 0);
  }

  private void algorithm(RunConfig.Algorithm a) {
    require(a.name != null && AdvantageEstimators.names().contains(a.name.trim().toLowerCase(Locale.ROOT)), "algorithm.name",
        a.name, "one of " + String.join(", ", AdvantageEstimators.names()));
    atLeast("algorithm.beta", a.beta, 0, true);
    require(Double.isFinite(a.msaCoef), "algorithm.msaCoef", a.msaCoef, "a finite number");
    atLeast("algorithm.msaClip", a.msaClip, 0, true);
    require(a.minGroupAccuracy >= 0 && a.minGroupAccuracy <= 1, "algorithm.minGroupAccuracy", a.minGroupAccuracy, "in [0, 1]");
    require(a.maxGroupAccuracy >= a.minGroupAccuracy && a.maxGroupAccuracy <= 1, "algorithm.maxGroupAccuracy",
        a.maxGroupAccuracy, "in [algorithm.minGroupAccuracy, 1]");
  }

  /** The oracle reads the built-in task's step checker, which needs the character tokenizer. */
  private void stepChecker(RunConfig c) {
    String name = c.algorithm.name == null ? "" : c.algorithm.name.trim().toLowerCase(Locale.ROOT);
    if (AdvantageEstimators.names().contains(name) && AdvantageEstimators.get(name).needsStepCheck()
        && !("arithmetic".equals(c.data.task) && "char".equals(c.model.tokenizer))) {
      problems.add("algorithm.name = " + c.algorithm.name + ": needs the first wrong token of every response, which only "
          + "the built-in task's step checker finds (data.task: arithmetic with model.tokenizer: char; this run has data.task "
          + c.data.task + ", model.tokenizer " + c.model.tokenizer + ")");
    }
  }

  private void loss(RunConfig.Loss l) {
    atLeast("loss.clipLow", l.clipLow, 0, true);
    atLeast("loss.clipHigh", l.clipHigh, 0, true);
    require(l.dualClip > 1, "loss.dualClip", l.dualClip, "> 1 (verl's clip_ratio_c; 3 by default)");
    atLeast("loss.klCoef", l.klCoef, 0, true);
    require(Double.isFinite(l.entropyCoef), "loss.entropyCoef", l.entropyCoef, "a finite number");
  }

  private void optimizer(RunConfig.Optimizer o) {
    atLeast("optimizer.lr", o.lr, 0, false);
    atLeast("optimizer.warmupSteps", o.warmupSteps, 0);
    require(o.beta1 >= 0 && o.beta1 < 1, "optimizer.beta1", o.beta1, "in [0, 1)");
    require(o.beta2 >= 0 && o.beta2 < 1, "optimizer.beta2", o.beta2, "in [0, 1)");
    atLeast("optimizer.eps", o.eps, 0, false);
    atLeast("optimizer.weightDecay", o.weightDecay, 0, true);
    atLeast("optimizer.gradClip", o.gradClip, 0, true);
    atLeast("optimizer.microBatch", o.microBatch, 1);
    atLeast("optimizer.microBatchTokens", o.microBatchTokens, 0);
  }

  private void warmStart(RunConfig.WarmStart w) {
    atLeast("warmStart.examples", w.examples, 1);
    atLeast("warmStart.steps", w.steps, 1);
    atLeast("warmStart.batchSize", w.batchSize, 1);
    atLeast("warmStart.lr", w.lr, 0, false);
    atLeast("warmStart.warmupSteps", w.warmupSteps, 0);
    atLeast("warmStart.gradClip", w.gradClip, 0, true);
    atLeast("warmStart.saveEvery", w.saveEvery, 1);
    atLeast("warmStart.logEvery", w.logEvery, 1);
    probability("warmStart.carrySlipRate", w.carrySlipRate);
    probability("warmStart.errorRate", w.errorRate);
    probability("warmStart.recheckRate", w.recheckRate);
  }

  private void flink(RunConfig.Flink f) {
    require(f.master != null && (f.master.equals("embedded") || f.master.equals("direct")
        || f.master.matches("[A-Za-z0-9.\\-\\[\\]:]+:\\d{1,5}")), "flink.master", f.master,
        "embedded, direct, or the HOST:PORT of a Flink cluster's REST endpoint");
    require(f.parallelism >= 1 && f.parallelism <= 1024, "flink.parallelism", f.parallelism, "in [1, 1024]");
    require(f.host != null && !f.host.isBlank(), "flink.host", f.host, "a host name or address (localhost: loopback only)");
    require(f.restPort >= 0 && f.restPort <= 65535, "flink.restPort", f.restPort, "a port in [0, 65535] (0: any free port)");
    require(f.prometheusPort >= 0 && f.prometheusPort <= 65535, "flink.prometheusPort", f.prometheusPort,
        "a port in [1, 65535], or 0: no Prometheus endpoint");
  }

  private void probability(String key, double value) {
    require(value >= 0 && value <= 1, key, value, "a probability in [0, 1]");
  }

  private void atLeast(String key, long value, long min) {
    require(value >= min, key, value, ">= " + min);
  }

  private void atLeast(String key, double value, double min, boolean inclusive) {
    require(Double.isFinite(value) && (inclusive ? value >= min : value > min), key, value,
        (inclusive ? ">= " : "> ") + (min == Math.rint(min) ? Long.toString((long) min) : Double.toString(min)));
  }

  private void require(boolean ok, String key, Object value, String allowed) {
    if (!ok) {
      problems.add(key + " = " + value + ": must be " + allowed);
    }
  }
}
