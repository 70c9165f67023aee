package dev.spro.transforms.task;

import dev.spro.transforms.stages.Seeds;
import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Writes solutions of {@link ArithmeticTask} problems for the supervised warm start, imperfect on
 * purpose, in two ways:
 *
 * <ul>
 *   <li>a habit: on an addition whose units carry ({@code 8+5}, {@code 17+6}) the teacher forgets
 *       the carry with probability {@code carrySlipRate} and writes a result ten too small
 *       ({@code 8+5=3});
 *   <li>noise: any step is off by 1 or 2 with probability {@code errorRate}.
 * </ul>
 *
 * Either error propagates to the following steps and the answer. After a step, a redundant
 * re-check ({@code 10-7=3;} after {@code 3+7=10;}) is added with probability {@code recheckRate}.
 *
 * <p>Why a habit and not only noise: a model that imitates noisy but unbiased solutions picks the
 * right result greedily anyway, so imitation alone fixes noise. A habit the teacher shows more
 * often than not ({@code carrySlipRate > 0.5}) becomes the imitating model's most likely answer,
 * while the right answer stays in its samples — the case RL with a verifier exists for: it can
 * only reinforce what the policy samples, and a warm-started model that is wrong on one kind of
 * step, and sometimes right, is exactly what it can fix. The warm-started model is therefore right
 * only part of the time (greedily: on problems without a carry) and wordier than it needs to be.
 */
public record ArithmeticTeacher(double carrySlipRate, double errorRate, double recheckRate, long seed)
    implements Serializable {

  public ArithmeticTeacher {
    if (!(carrySlipRate >= 0 && carrySlipRate < 1) || !(errorRate >= 0 && errorRate < 1)
        || !(recheckRate >= 0 && recheckRate < 1)) {
      throw new IllegalArgumentException("teacher rates must be in [0, 1)");
    }
  }

  /** Whether {@code v + b} carries in the units column (the step the teacher's habit is about). */
  public static boolean carries(int v, char op, int b) {
    return op == '+' && v >= 0 && b >= 0 && v % 10 + b % 10 >= 10;
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
      // one draw for each kind of error on every step, so one rate does not shift the other's draws
      boolean slip = rnd.nextDouble() < carrySlipRate;
      if (slip && carries(v, op, b)) {
        next -= 10;
      }
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
