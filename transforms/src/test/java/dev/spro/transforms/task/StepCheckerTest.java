package dev.spro.transforms.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StepCheckerTest {
  private static final ArithmeticTask LONG = new ArithmeticTask(6, 7, 9, 0.2, 7);
  private static final ArithmeticTask.Problem P = StepChecker.problemOf("8+5+4-9=\n");

  static StepChecker.Check check(String response) {
    return StepChecker.check(P, response);
  }

  @Test
  void readsTheProblemAtTheEndOfARenderedPrompt() {
    assertEquals("8+5+4-9", P.text());
    assertEquals("12-3", StepChecker.problemOf("<|im_start|>user\n12-3=<|im_end|>\n".replace("<|im_end|>\n", "")).text());
    assertNull(StepChecker.problemOf("what is 2+2?"));
    assertNull(StepChecker.problemOf("99999999999+1="), "beyond int is not this task's");
  }

  @Test
  void aCorrectSolutionWithOrWithoutRechecksHasNoWrongCharacter() {
    assertEquals(new StepChecker.Check(-1, 0), check("8+5=13;13+4=17;17-9=8;#### 8"));
    assertEquals(new StepChecker.Check(-1, 2), check("8+5=13;13-5=8;13+4=17;17-9=8;8+9=17;#### 8"));
  }

  @Test
  void theForgottenCarryIsTheFirstWrongCharacterAndWhatFollowsIsNotCounted() {
    String habit = "8+5=3;3+4=7;7-9=-2;#### -2";
    assertEquals(4, check(habit).firstWrongChar()); // the '3' where '1' of 13 belongs
    assertEquals('3', habit.charAt(4));
    assertEquals(5, check("8+5=1;13+4=17;17-9=8;#### 8").firstWrongChar(), "13 cut to 1: the ';' is wrong");
    assertEquals(0, check("9+5=14;").firstWrongChar(), "a step on the wrong operand");
  }

  @Test
  void aWrongAnswerLineAndTrailingTextArePlaced() {
    String s = "8+5=13;13+4=17;17-9=8;#### 9";
    assertEquals(s.length() - 1, check(s).firstWrongChar());
    assertEquals(s.length(), check("8+5=13;13+4=17;17-9=8;#### 81").firstWrongChar(), "the '1' after the answer");
    assertEquals(22 + 3, check("8+5=13;13+4=17;17-9=8;### 8").firstWrongChar(), "the space where the fourth '#' belongs");
  }

  @Test
  void aRecheckIsOnlyRightOnceAfterAStepAndOnlyAsTheInverse() {
    assertEquals(7 + 7 + 2, check("8+5=13;13-5=8;13-5=8;").firstWrongChar(), "a second re-check: '13' may start the next step, '-' not");
    assertEquals(7 + 5, check("8+5=13;13-5=9;").firstWrongChar(), "a re-check with a wrong result");
  }

  @Test
  void aResponseThatStopsWhileRightPointsPastItsEnd() {
    String cut = "8+5=13;13+4=1";
    assertEquals(cut.length(), check(cut).firstWrongChar());
    assertEquals(0, check("").firstWrongChar());
  }

  @Test
  void agreesWithEveryCorrectSolutionSpelledOut() {
    // By definition, on 3,000 teacher solutions (habit, noise and re-checks): the first wrong
    // character is the longest common prefix with any of the 2^steps correct solutions (one
    // re-check or none after each step), and -1 when one of them is the response.
    ArithmeticTeacher teacher = new ArithmeticTeacher(0.5, 0.1, 0.4, 3);
    int wrong = 0;
    for (int i = 0; i < 3000; i++) {
      ArithmeticTask.Problem p = LONG.problem("train", i);
      String s = teacher.solve(p, i);
      StepChecker.Check c = StepChecker.check(p, s);
      int steps = p.operators().length;
      int longest = 0;
      int rechecksOfMatch = -1;
      for (int mask = 0; mask < 1 << steps; mask++) {
        String solution = spelledOut(p, mask);
        if (solution.equals(s)) {
          rechecksOfMatch = Integer.bitCount(mask);
        }
        longest = Math.max(longest, commonPrefix(solution, s));
      }
      if (rechecksOfMatch >= 0) {
        assertEquals(new StepChecker.Check(-1, rechecksOfMatch), c, s);
      } else {
        assertEquals(longest, c.firstWrongChar(), s);
        wrong++;
      }
    }
    assertTrue(wrong > 1000 && wrong < 2900, wrong + " of 3000 solutions have a wrong step");
  }

  /** The correct solution with a re-check after step k when bit k of {@code mask} is set. */
  private static String spelledOut(ArithmeticTask.Problem p, int mask) {
    StringBuilder sb = new StringBuilder();
    int v = p.operands()[0];
    for (int k = 0; k < p.operators().length; k++) {
      int b = p.operands()[k + 1];
      char op = p.operators()[k];
      int next = op == '+' ? v + b : v - b;
      sb.append(v).append(op).append(b).append('=').append(next).append(';');
      if ((mask >> k & 1) == 1) {
        sb.append(next).append(op == '+' ? '-' : '+').append(b).append('=').append(v).append(';');
      }
      v = next;
    }
    return sb.append("#### ").append(v).toString();
  }

  private static int commonPrefix(String a, String b) {
    int n = 0;
    while (n < a.length() && n < b.length() && a.charAt(n) == b.charAt(n)) {
      n++;
    }
    return n;
  }
}
