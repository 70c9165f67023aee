package dev.spro.transforms.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ArithmeticTeacherTest {
  private static final ArithmeticTask TASK = new ArithmeticTask(2, 3, 9, 0.2, 7);
  private static final Pattern STEP = Pattern.compile("(-?\\d+)([+-])(\\d+)=(-?\\d+)");

  @Test
  void carriesIsTheUnitsColumnOfAnAddition() {
    assertTrue(ArithmeticTeacher.carries(8, '+', 5));
    assertTrue(ArithmeticTeacher.carries(17, '+', 6));
    assertTrue(ArithmeticTeacher.carries(5, '+', 5));
    assertFalse(ArithmeticTeacher.carries(17, '+', 2));
    assertFalse(ArithmeticTeacher.carries(3, '+', 4));
    assertFalse(ArithmeticTeacher.carries(13, '-', 5), "a borrow is not a carry");
    assertFalse(ArithmeticTeacher.carries(-3, '+', 9), "negative running values are left alone");
  }

  @Test
  void aPerfectTeacherWritesTheSolution() {
    ArithmeticTeacher t = new ArithmeticTeacher(0, 0, 0, 11);
    for (int i = 0; i < 500; i++) {
      ArithmeticTask.Problem p = TASK.problem("train", i);
      assertEquals(p.solution(), t.solve(p, i));
    }
    assertEquals(1.0, t.accuracy(TASK, 500));
  }

  @Test
  void theHabitForgetsEveryCarryAndNothingElse() {
    ArithmeticTeacher t = new ArithmeticTeacher(0.999999, 0, 0, 11);
    assertEquals("8+5=3;3+4=7;#### 7", t.solve(new ArithmeticTask.Problem(new int[] {8, 5, 4}, new char[] {'+', '+'}), 0));
    assertEquals("9-5=4;4+9=3;#### 3", t.solve(new ArithmeticTask.Problem(new int[] {9, 5, 9}, new char[] {'-', '+'}), 0));
    for (int i = 0; i < 500; i++) {
      ArithmeticTask.Problem p = TASK.problem("train", i);
      for (Step s : Step.all(t.solve(p, i))) {
        int right = s.op == '+' ? s.a + s.b : s.a - s.b;
        assertEquals(ArithmeticTeacher.carries(s.a, s.op, s.b) ? right - 10 : right, s.result, s.text);
      }
    }
  }

  @Test
  void ratesAreWhatTheyClaim() {
    // one kind of imperfection at a time, so every part of a solution is one step of the problem
    int[] slip = count(new ArithmeticTeacher(0.6, 0, 0, 11), true);
    int[] noise = count(new ArithmeticTeacher(0, 0.05, 0, 11), false);
    assertEquals(0.6, (double) slip[1] / slip[0], 0.03, "carry slips " + slip[1] + "/" + slip[0]);
    assertEquals(0.05, (double) noise[1] / noise[0], 0.01, "noisy steps " + noise[1] + "/" + noise[0]);
    ArithmeticTeacher recheck = new ArithmeticTeacher(0, 0, 0.3, 11);
    int steps = 0, parts = 0;
    for (int i = 0; i < 4000; i++) {
      ArithmeticTask.Problem p = TASK.problem("train", i);
      steps += p.operators().length;
      parts += Step.all(recheck.solve(p, i)).size();
    }
    assertEquals(0.3, (double) (parts - steps) / steps, 0.02, "re-checks per step");
  }

  /** {steps, wrong steps} over 4000 problems: carrying steps only, or the others. */
  private static int[] count(ArithmeticTeacher t, boolean carrying) {
    int steps = 0, wrong = 0;
    for (int i = 0; i < 4000; i++) {
      ArithmeticTask.Problem p = TASK.problem("train", i);
      java.util.List<Step> written = Step.all(t.solve(p, i));
      assertEquals(p.operators().length, written.size());
      for (Step s : written) {
        if (ArithmeticTeacher.carries(s.a, s.op, s.b) == carrying) {
          steps++;
          if (s.result != (s.op == '+' ? s.a + s.b : s.a - s.b)) {
            wrong++;
          }
        }
      }
    }
    return new int[] {steps, wrong};
  }

  @Test
  void aRecheckUndoesTheStep() {
    ArithmeticTeacher t = new ArithmeticTeacher(0, 0, 0.999999, 3);
    assertEquals("3+7=10;10-7=3;10-2=8;8+2=10;#### 8",
        t.solve(new ArithmeticTask.Problem(new int[] {3, 7, 2}, new char[] {'+', '-'}), 5));
  }

  @Test
  void theSameSeedAndIndexGiveTheSameSolution() {
    ArithmeticTeacher a = new ArithmeticTeacher(0.6, 0.2, 0.3, 5);
    ArithmeticTeacher b = new ArithmeticTeacher(0.6, 0.2, 0.3, 5);
    ArithmeticTeacher other = new ArithmeticTeacher(0.6, 0.2, 0.3, 6);
    int differ = 0;
    for (int i = 0; i < 200; i++) {
      ArithmeticTask.Problem p = TASK.problem("train", i);
      assertEquals(a.solve(p, i), b.solve(p, i));
      if (!a.solve(p, i).equals(other.solve(p, i))) {
        differ++;
      }
    }
    assertTrue(differ > 50, "another seed writes other solutions: " + differ);
  }

  @Test
  void theHabitMakesTheTeacherWrongOnCarriesOnly() {
    // a problem without a carry is always right when there is no noise
    ArithmeticTeacher t = new ArithmeticTeacher(0.6, 0, 0.3, 5);
    for (int i = 0; i < 500; i++) {
      ArithmeticTask.Problem p = TASK.problem("train", i);
      boolean anyCarry = false;
      int v = p.operands()[0];
      for (int k = 0; k < p.operators().length; k++) {
        anyCarry |= ArithmeticTeacher.carries(v, p.operators()[k], p.operands()[k + 1]);
        v = p.operators()[k] == '+' ? v + p.operands()[k + 1] : v - p.operands()[k + 1];
      }
      if (!anyCarry) {
        assertTrue(t.solve(p, i).endsWith("#### " + p.answer()), p.text());
      }
    }
  }

  @Test
  void ratesOutsideTheUnitIntervalAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ArithmeticTeacher(1.0, 0, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new ArithmeticTeacher(0, -0.1, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new ArithmeticTeacher(0, 0, Double.NaN, 1));
  }

  /** One {@code a op b = result} step of a solution. */
  private record Step(int a, char op, int b, int result, String text) {
    static Step of(String text) {
      Matcher m = STEP.matcher(text);
      if (!m.matches()) {
        throw new AssertionError("not a step: " + text);
      }
      return new Step(Integer.parseInt(m.group(1)), m.group(2).charAt(0), Integer.parseInt(m.group(3)),
          Integer.parseInt(m.group(4)), text);
    }

    static java.util.List<Step> all(String solution) {
      java.util.List<Step> steps = new java.util.ArrayList<>();
      for (String part : solution.substring(0, solution.indexOf("####")).split(";")) {
        steps.add(of(part));
      }
      return steps;
    }
  }
}
