package dev.spro.transforms.task;

import dev.spro.transforms.stages.Seeds;
import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Writes solutions of {@link ArithmeticTask} problems for the supervised warm start, imperfect on
 * purpose: each step is wrong with probability {@code errorRate} (off by 1 or 2, and the error
 * propagates to the following steps and the answer), and after a step a redundant re-check
 * ({@code 10-7=3;} after {@code 3+7=10;}) is added with probability {@code recheckRate}. A model
 * that imitates the teacher is therefore right only part of the time and wordier than it needs
 * to be — room for RL to raise accuracy and shorten answers.
 */
public record ArithmeticTeacher(double errorRate, double recheckRate, long seed) implements Serializable {

  public ArithmeticTeacher {
    if (!(errorRate >= 0 && errorRate < 1) || !(recheckRate >= 0 && recheckRate < 1)) {
      throw new IllegalArgumentException("teacher rates must be in [0, 1)");
    }
  }

  /** The teacher's solution of problem {@code index} (deterministic in (seed, index)). */
  public String solve(ArithmeticTask.Problem p, long index) {
    SplittableRandom rnd = new SplittableRandom(Seeds.of(seed, "teacher", index));
    StringBuilder sb = new StringBuilder();
    int v = p.operands()[0];
    for (int i = 0; i < p.operators().length; i++) {
      int b = p.operands()[i + 1];
      char op = p.operators()[i];
      int next = op == '+' ? v + b : v - b;
      if (rnd.nextDouble() < errorRate) {
        next += (rnd.nextBoolean() ? 1 : -1) * (1 + rnd.nextInt(2));
      }
      sb.append(v).append(op).append(b).append('=').append(next).append(';');
      if (rnd.nextDouble() < recheckRate) {
        // the inverse operation, restating what was just computed
        sb.append(next).append(op == '+' ? '-' : '+').append(b).append('=').append(v).append(';');
      }
      v = next;
    }
    return sb.append("#### ").append(v).toString();
  }

  /** Share of the teacher's answers that are right, measured over {@code n} train problems. */
  public double accuracy(ArithmeticTask task, int n) {
    int right = 0;
    for (int i = 0; i < n; i++) {
      ArithmeticTask.Problem p = task.problem("train", i);
      String s = solve(p, i);
      if (s.endsWith("#### " + p.answer())) {
        right++;
      }
    }
    return (double) right / n;
  }
}
