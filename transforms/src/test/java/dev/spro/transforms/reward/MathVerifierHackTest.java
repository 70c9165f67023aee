package dev.spro.transforms.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Answers a policy could learn in order to be scored correct against anything: infinities and
 * divisions by zero (the relative-tolerance comparison is true when one side is infinite), and
 * expressions that make the algebra system run away with the time and memory of the training JVM.
 */
class MathVerifierHackTest {
  static final List<String> NON_FINITE = List.of(
      "1e999", "-1e999", "1E400", "1/0", "-1/0", "\\frac{1}{0}", "-\\frac{1}{0}", "\\dfrac{5}{0}",
      "\\tfrac{5}{0}", "\\frac{0}{0}", "0/0", "1e999\\%", "\\frac{1e999}{1}", "\\infty", "-\\infty",
      "\\frac{1}{0}\\%", "NaN", "Infinity", "\\frac{x}{0}", "0^{-1}", "\\frac{1}{1-1}");
  static final List<String> FINITE_TRUTHS = List.of(
      "1", "42", "-3", "0.5", "1000000", "\\frac{2}{3}", "0", "50\\%", "\\boxed{7}", "x+1", "\\sqrt{2}");

  @Test
  void aNonFiniteAnswerNeverMatchesAFiniteTruth() {
    MathVerifier verifier = new MathVerifier(2000);
    List<String> accepted = new ArrayList<>();
    for (String hack : NON_FINITE) {
      for (String truth : FINITE_TRUTHS) {
        if (verifier.verify("so \\boxed{" + hack + "}", truth).score() != 0) {
          accepted.add(hack + " = " + truth);
        }
        if (verifier.verify("so \\boxed{" + truth + "}", hack).score() != 0) {
          accepted.add("truth " + hack + " <- answer " + truth);
        }
      }
    }
    assertEquals(List.of(), accepted);
  }

  @Test
  void numbersReadFromAnswersAreFiniteOrAbsent() {
    for (String hack : NON_FINITE) {
      Double value = MathVerifier.number(MathAnswers.normalize(hack));
      assertTrue(value == null || Double.isFinite(value), hack + " read as " + value);
    }
    assertEquals(List.of(), List.of(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN).stream().filter(v -> MathVerifier.close(v, 1)).toList());
  }

  /** Each of these made Symja run for seconds and take gigabytes inside the JVM that trains. */
  static final List<String[]> RUNAWAY = List.of(
      new String[] {"\\prod_{k=1}^{10^{9}} (x+k)", "x"},
      new String[] {"\\sum_{k=1}^{10^{9}} k x", "x"},
      new String[] {"(x+1)^{100000}", "x"},
      new String[] {"x^{10^{10^{10}}}", "x"},
      new String[] {"(x+y)^{999999999}-(x+y)^{999999999}", "0"},
      new String[] {"100000!", "x"},
      new String[] {"10^{10^{10^{10}}}", "y"},
      new String[] {"2^{2^{2^{2^{2^{2}}}}}", "x"});

  @Test
  void runawayExpressionsAreRefusedQuicklyWithBoundedMemory() {
    MathVerifier verifier = new MathVerifier(2000);
    for (String[] pair : RUNAWAY) {
      long allocated0 = allocatedBytes();
      long t0 = System.nanoTime();
      double score = verifier.verify("\\boxed{" + pair[0] + "}", pair[1]).score();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      long mb = (allocatedBytes() - allocated0) >> 20;
      assertEquals(0, score, pair[0]);
      assertTrue(ms < 2500, pair[0] + " took " + ms + " ms (limit 2000)");
      assertTrue(mb < 512, pair[0] + " allocated " + mb + " MB");
    }
    assertEquals(0, SymbolicEquivalence.running(), "a refused expression left a computation running");
  }

  @Test
  void ordinarySymbolicAnswersStillMatch() {
    MathVerifier verifier = new MathVerifier(5000);
    assertEquals(1, verifier.verify("\\boxed{(x+1)^{2}}", "x^2+2x+1").score());
    assertEquals(1, verifier.verify("\\boxed{\\frac{\\sqrt{8}}{2}}", "\\sqrt{2}").score());
    assertEquals(1, verifier.verify("\\boxed{2^{10}}", "1024").score());
    assertEquals(1, verifier.verify("\\boxed{5!}", "120").score());
    assertEquals(1, verifier.verify("\\boxed{\\infty}", "\\infty").score());
  }

  /** Bytes allocated by every thread of this JVM, the checker's pool included. */
  static long allocatedBytes() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long id : threads.getAllThreadIds()) {
      long bytes = threads.getThreadAllocatedBytes(id);
      sum += Math.max(0, bytes);
    }
    return sum;
  }
}
