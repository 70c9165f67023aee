package dev.spro.transforms.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.schemas.Prompt;
import dev.spro.transforms.reward.VerifierRegistry;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArithmeticTaskTest {
  private static final ArithmeticTask TASK = new ArithmeticTask(2, 3, 9, 0.2, 7);

  @Test
  void trainAndTestNeverShareAProblem() {
    Set<String> train = new HashSet<>();
    for (int i = 0; i < 5000; i++) {
      train.add(TASK.problem("train", i).text());
    }
    int test = 0;
    for (int i = 0; i < 1000; i++) {
      String t = TASK.problem("test", i).text();
      assertTrue(!train.contains(t), t + " is in both splits");
      test++;
    }
    assertEquals(1000, test);
    // the split is a property of the problem, not of where it was drawn
    assertTrue(TASK.isTest(TASK.problem("test", 3).text()));
  }

  @Test
  void problemsAreDeterministicAndInRange() {
    ArithmeticTask again = new ArithmeticTask(2, 3, 9, 0.2, 7);
    for (int i = 0; i < 300; i++) {
      ArithmeticTask.Problem p = TASK.problem("train", i);
      assertEquals(p.text(), again.problem("train", i).text());
      assertTrue(p.operands().length >= 2 && p.operands().length <= 3, p.text());
      for (int x : p.operands()) {
        assertTrue(x >= 1 && x <= 9, p.text());
      }
    }
  }

  @Test
  void theSolutionIsStepByStepAndTheVerifierAcceptsIt() {
    ArithmeticTask.Problem p = new ArithmeticTask.Problem(new int[] {3, 7, 2}, new char[] {'+', '-'});
    assertEquals("3+7-2", p.text());
    assertEquals(8, p.answer());
    assertEquals("3+7=10;10-2=8;#### 8", p.solution());
    VerifierRegistry verifiers = VerifierRegistry.standard(true);
    for (int i = 0; i < 100; i++) {
      Prompt prompt = TASK.prompt("test", i);
      assertEquals(ArithmeticTask.DATA_SOURCE, prompt.getDataSource());
      String solution = prompt.getExtraInfo().get("solution");
      assertEquals(1.0, verifiers.get(prompt.getDataSource()).verify(solution, prompt.getGroundTruth()).score(), solution);
      assertEquals(0.0, verifiers.get(prompt.getDataSource()).verify(solution + "1", prompt.getGroundTruth()).score());
      for (char c : (prompt.getMessages().get(0).getContent() + solution).toCharArray()) {
        assertTrue(ArithmeticTask.ALPHABET.indexOf(c) >= 0, "character '" + c + "' is outside the alphabet");
      }
    }
  }

  @Test
  void badShapesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ArithmeticTask(1, 3, 9, 0.2, 7));
    assertThrows(IllegalArgumentException.class, () -> new ArithmeticTask(3, 2, 9, 0.2, 7));
    assertThrows(IllegalArgumentException.class, () -> new ArithmeticTask(2, 3, 9, 1.0, 7));
  }

  @Test
  void theAdditionShareSetsTheOperatorsAndTheEvenSplitKeepsTheEarlierProblems() {
    // problems written by the version before the share existed (its jar, 2026-12-06)
    assertEquals("1+3 7+2 8+8", TASK.problem("train", 0).text() + " " + TASK.problem("train", 1).text() + " "
        + TASK.problem("test", 0).text());
    ArithmeticTask half = new ArithmeticTask(2, 3, 9, 0.2, 7, 0.5);
    ArithmeticTask plus = new ArithmeticTask(4, 5, 9, 0.2, 7, 1.0);
    ArithmeticTask mostly = new ArithmeticTask(4, 5, 9, 0.2, 7, 0.8);
    int additions = 0;
    int operators = 0;
    for (int i = 0; i < 2000; i++) {
      assertEquals(TASK.problem("train", i).text(), half.problem("train", i).text());
      assertTrue(plus.problem("train", i).text().indexOf('-') < 0, plus.problem("train", i).text());
      for (char op : mostly.problem("train", i).operators()) {
        additions += op == '+' ? 1 : 0;
        operators++;
      }
    }
    assertEquals(0.8, (double) additions / operators, 0.02);
    assertThrows(IllegalArgumentException.class, () -> new ArithmeticTask(2, 3, 9, 0.2, 7, 1.5));
  }
}
