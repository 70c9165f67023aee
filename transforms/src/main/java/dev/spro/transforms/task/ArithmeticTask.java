package dev.spro.transforms.task;

import dev.spro.schemas.ChatMessage;
import dev.spro.schemas.Prompt;
import dev.spro.transforms.stages.Seeds;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Multi-step arithmetic, answered step by step: the prompt {@code 3+7-2=} has the solution
 * {@code 3+7=10;10-2=8;#### 8}. Problems are generated from (task seed, split, index); a problem
 * belongs to the test split when a hash of its text says so, so train and test never share a
 * problem. The answer is checked like GSM8K's ({@code #### N}).
 *
 * @param minOperands fewest numbers in a problem (at least 2)
 * @param maxOperands most numbers in a problem
 * @param maxOperand operands are 1..maxOperand
 * @param testShare share of all possible problems reserved for the test split (by hash)
 * @param additionShare probability that an operator is '+' (the carry habit is about additions:
 *     more of them, more carry steps per problem)
 */
public record ArithmeticTask(int minOperands, int maxOperands, int maxOperand, double testShare, long seed,
    double additionShare) implements Serializable {
  public static final String DATA_SOURCE = "spro/arithmetic";
  /** The characters of prompts and solutions (the built-in character tokenizer's alphabet). */
  public static final String ALPHABET = "0123456789+-=;# \n";

  public ArithmeticTask {
    if (minOperands < 2 || maxOperands < minOperands || maxOperand < 1 || !(testShare > 0 && testShare < 1)
        || !(additionShare >= 0 && additionShare <= 1)) {
      throw new IllegalArgumentException(
          "arithmetic task: need 2 <= minOperands <= maxOperands, maxOperand >= 1, 0 < testShare < 1, 0 <= additionShare <= 1");
    }
  }

  /** Half additions, half subtractions. */
  public ArithmeticTask(int minOperands, int maxOperands, int maxOperand, double testShare, long seed) {
    this(minOperands, maxOperands, maxOperand, testShare, seed, 0.5);
  }

  /** A problem: its operands and operators ('+' or '-'). */
  public record Problem(int[] operands, char[] operators) {
    public String text() {
      StringBuilder sb = new StringBuilder().append(operands[0]);
      for (int i = 0; i < operators.length; i++) {
        sb.append(operators[i]).append(operands[i + 1]);
      }
      return sb.toString();
    }

    public int answer() {
      int v = operands[0];
      for (int i = 0; i < operators.length; i++) {
        v = operators[i] == '+' ? v + operands[i + 1] : v - operands[i + 1];
      }
      return v;
    }

    /** The step-by-step solution, e.g. {@code 3+7=10;10-2=8;#### 8}. */
    public String solution() {
      StringBuilder sb = new StringBuilder();
      int v = operands[0];
      for (int i = 0; i < operators.length; i++) {
        int next = operators[i] == '+' ? v + operands[i + 1] : v - operands[i + 1];
        sb.append(v).append(operators[i]).append(operands[i + 1]).append('=').append(next).append(';');
        v = next;
      }
      return sb.append("#### ").append(v).toString();
    }
  }

  /** The {@code index}-th problem of {@code split} ("train" or "test"). */
  public Problem problem(String split, long index) {
    boolean test = split.equals("test");
    SplittableRandom rnd = new SplittableRandom(Seeds.of(seed, "arithmetic-" + split, index));
    while (true) {
      int n = minOperands + rnd.nextInt(maxOperands - minOperands + 1);
      int[] operands = new int[n];
      char[] operators = new char[n - 1];
      for (int i = 0; i < n; i++) {
        operands[i] = 1 + rnd.nextInt(maxOperand);
      }
      for (int i = 0; i < n - 1; i++) {
        // the even split draws a boolean, as before the share existed: the same problems as then
        boolean plus = additionShare == 0.5 ? rnd.nextBoolean() : rnd.nextDouble() < additionShare;
        operators[i] = plus ? '+' : '-';
      }
      Problem p = new Problem(operands, operators);
      if (isTest(p.text()) == test) {
        return p;
      }
    }
  }

  boolean isTest(String text) {
    return Math.floorMod(Seeds.stableHash(text + "#" + seed), 1_000_000L) < testShare * 1_000_000;
  }

  /** The prompt record of the {@code index}-th problem of {@code split}. */
  public Prompt prompt(String split, long index) {
    Problem p = problem(split, index);
    return Prompt.newBuilder()
        .setId(String.format(Locale.ROOT, "arith-%s-%06d", split, index))
        .setDataSource(DATA_SOURCE)
        .setMessages(List.of(new ChatMessage("user", p.text() + "=")))
        .setGroundTruth(Integer.toString(p.answer()))
        .setRewardStyle("rule")
        .setAbility("arithmetic")
        .setExtraInfo(Map.of("split", split, "index", Long.toString(index), "solution", p.solution()))
        .build();
  }
}
