package dev.spro.transforms.task;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a response to an {@link ArithmeticTask} problem first goes wrong: the length of its
 * longest prefix that some correct solution could continue. A correct solution is the task's
 * steps in order ({@code 3+7=10;}), each optionally followed by one re-check that restates it
 * inversely ({@code 10-7=3;}), then {@code #### answer} and the end — the forms the teacher
 * writes. The first character outside every such continuation is the decisive wrong step's first
 * wrong character: in {@code 8+5=3;3+2=5;#### 5} it is the {@code 3} after {@code 8+5=}, and
 * every later character, right or wrong, follows from it.
 *
 * <p>This is what the {@code oracle} advantage estimator and the localisation metric of the credit
 * study know and a policy does not. Total: any text gives a result.
 */
public final class StepChecker {
  private static final Pattern PROBLEM = Pattern.compile("(\\d+(?:[+-]\\d+)+)=\\s*$");
  private static final Pattern SIGNED_NUMBER = Pattern.compile("([+-]?)(\\d+)");

  private StepChecker() {}

  /**
   * @param firstWrongChar index in the response of its first wrong character; the response's
   *     length when all of it is right but it stops before the answer is complete (the token after
   *     it — the end of text — is the wrong one); -1 when the response is a correct solution
   * @param rechecks the re-check steps among its right steps
   */
  public record Check(int firstWrongChar, int rechecks) {}

  /** The problem at the end of a rendered prompt ({@code ...3+7-2=}); null when there is none. */
  public static ArithmeticTask.Problem problemOf(String prompt) {
    Matcher m = PROBLEM.matcher(prompt);
    if (!m.find()) {
      return null;
    }
    String text = m.group(1);
    List<Integer> operands = new ArrayList<>();
    StringBuilder operators = new StringBuilder();
    Matcher number = SIGNED_NUMBER.matcher(text);
    while (number.find()) {
      if (!number.group(1).isEmpty()) {
        operators.append(number.group(1).charAt(0));
      }
      try {
        operands.add(Integer.parseInt(number.group(2)));
      } catch (NumberFormatException e) {
        return null; // beyond int: not a problem of this task
      }
    }
    return new ArithmeticTask.Problem(operands.stream().mapToInt(Integer::intValue).toArray(),
        operators.toString().toCharArray());
  }

  /** Checks {@code response} against every correct solution of {@code problem}. */
  public static Check check(ArithmeticTask.Problem problem, String response) {
    return walk(problem, response, 0, problem.operands()[0], 0, false, 0);
  }

  /**
   * From {@code pos}, with the running {@code value}, the next operator {@code step}, and whether a
   * re-check may come next: the furthest a correct solution reaches. A re-check and the next step
   * can read the same ({@code 7+4=11;11-4=7;} then {@code 11-4=7;} again when the next operation is
   * {@code -4}), so every candidate that matches whole is followed and the best outcome kept.
   */
  private static Check walk(ArithmeticTask.Problem problem, String response, int pos, int value, int step,
      boolean mayRecheck, int rechecks) {
    int[] operands = problem.operands();
    char[] operators = problem.operators();
    if (step == operators.length) {
      String answer = "#### " + value;
      int common = commonPrefix(response, pos, answer);
      Check done = common < answer.length() ? new Check(pos + common, rechecks)
          : new Check(pos + common == response.length() ? -1 : pos + common, rechecks);
      if (!mayRecheck) {
        return done;
      }
      return better(done, recheck(problem, response, pos, value, step, rechecks));
    }
    int b = operands[step + 1];
    int next = operators[step] == '+' ? value + b : value - b;
    String forward = "" + value + operators[step] + b + '=' + next + ';';
    int common = commonPrefix(response, pos, forward);
    Check viaForward = common < forward.length() ? new Check(pos + common, rechecks)
        : walk(problem, response, pos + forward.length(), next, step + 1, true, rechecks);
    return mayRecheck ? better(viaForward, recheck(problem, response, pos, value, step, rechecks)) : viaForward;
  }

  /** The re-check of the step just taken ({@code 13-5=8;} after {@code 8+5=13;}), then on as before. */
  private static Check recheck(ArithmeticTask.Problem problem, String response, int pos, int value, int step, int rechecks) {
    int b = problem.operands()[step];
    char op = problem.operators()[step - 1];
    int previous = op == '+' ? value - b : value + b;
    String text = "" + value + (op == '+' ? '-' : '+') + b + '=' + previous + ';';
    int common = commonPrefix(response, pos, text);
    return common < text.length() ? new Check(pos + common, rechecks)
        : walk(problem, response, pos + text.length(), value, step, false, rechecks + 1);
  }

  /** A correct whole (-1) beats any wrong character; of two wrong ones, the later. */
  private static Check better(Check a, Check b) {
    if (a.firstWrongChar() < 0) {
      return a;
    }
    if (b.firstWrongChar() < 0) {
      return b;
    }
    return b.firstWrongChar() > a.firstWrongChar() ? b : a;
  }

  private static int commonPrefix(String text, int from, String candidate) {
    int n = 0;
    while (n < candidate.length() && from + n < text.length() && text.charAt(from + n) == candidate.charAt(n)) {
      n++;
    }
    return n;
  }
}
