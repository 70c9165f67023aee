package dev.spro.pipelines.run;

import dev.spro.transforms.metrics.PassAtK;
import java.util.Arrays;

/**
 * What one evaluation pass measured on the prompts of one data source (or of all): responses,
 * correct ones, response tokens, and how many prompts had exactly c correct responses out of
 * {@code samples} (c = 0..samples), from which the mean accuracy and the unbiased pass@j follow.
 */
public record EvalScore(String dataSource, int samples, long responses, long correct, long responseTokens,
    long[] promptsByCorrect) {

  public EvalScore {
    if (promptsByCorrect.length != samples + 1) {
      throw new IllegalArgumentException("promptsByCorrect needs samples + 1 = " + (samples + 1) + " counts");
    }
    promptsByCorrect = promptsByCorrect.clone();
  }

  public long prompts() {
    return Arrays.stream(promptsByCorrect).sum();
  }

  /** Correct responses over responses: pass@1 of a greedy pass, mean@k of a sampled one. */
  public double accuracy() {
    return responses == 0 ? 0 : (double) correct / responses;
  }

  /** The unbiased pass@j over prompts (1 ≤ j ≤ samples): the chance that j of the samples hold a correct one. */
  public double passAt(int j) {
    long prompts = prompts();
    if (prompts == 0) {
      return 0;
    }
    double sum = 0;
    for (int c = 0; c <= samples; c++) {
      sum += promptsByCorrect[c] * PassAtK.unbiased(samples, c, j);
    }
    return sum / prompts;
  }

  public double meanResponseLength() {
    return responses == 0 ? 0 : (double) responseTokens / responses;
  }

  /** This score and {@code other}'s together, named {@code name}. */
  public EvalScore plus(EvalScore other, String name) {
    long[] byCorrect = promptsByCorrect.clone();
    for (int c = 0; c < byCorrect.length; c++) {
      byCorrect[c] += other.promptsByCorrect[c];
    }
    return new EvalScore(name, samples, responses + other.responses, correct + other.correct,
        responseTokens + other.responseTokens, byCorrect);
  }
}
