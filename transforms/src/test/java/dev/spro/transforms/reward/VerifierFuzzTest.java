package dev.spro.transforms.reward;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Thousands of random and adversarial strings through every verifier: a score, quickly, never a throw. */
class VerifierFuzzTest {
  static final String ALPHABET = "0123456789+-*/^_{}()[]\\$#%., =xyzabc\n\t\\boxed\\frac\\sqrt\\text\\left\\right####é∑";

  static List<String> inputs() {
    SplittableRandom rnd = new SplittableRandom(2026);
    List<String> out = new ArrayList<>();
    out.add("");
    out.add("#### ");
    out.add("####".repeat(5000));
    out.add("\\boxed{" + "{".repeat(20_000));
    out.add("\\boxed{" + "}".repeat(20_000) + "}");
    out.add("\\boxed{" + "1,".repeat(5_000) + "}");
    out.add("\\boxed{\\frac{" + "9".repeat(400) + "}{7}}");
    out.add("\\boxed{" + "x^".repeat(300) + "2}");
    out.add("\\boxed{\\sqrt{\\sqrt{\\sqrt{\\sqrt{\\sqrt{\\sqrt{2}}}}}}}");
    out.add("\\boxed{(((((((((((((((1)))))))))))))))}");
    out.add("\\boxed{1/0}");
    out.add("\\boxed{\\frac{1}{0}}");
    out.add("\\boxed{10^{10^{10^{10}}}}");
    out.add("1".repeat(200_000));
    for (String hack : MathVerifierHackTest.NON_FINITE) {
      out.add("\\boxed{" + hack + "}");
    }
    for (String[] runaway : MathVerifierHackTest.RUNAWAY) {
      out.add("\\boxed{" + runaway[0] + "}");
    }
    for (int i = 0; i < 3000; i++) {
      int len = rnd.nextInt(i % 10 == 0 ? 400 : 40);
      StringBuilder sb = new StringBuilder(rnd.nextBoolean() ? "\\boxed{" : "");
      for (int j = 0; j < len; j++) {
        sb.append(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
      }
      if (rnd.nextBoolean()) {
        sb.append('}');
      }
      out.add(sb.toString());
    }
    return out;
  }

  @Test
  void everyVerifierIsTotalAndBounded() {
    List<String> inputs = inputs();
    List<Verifier> verifiers = List.of(Gsm8kVerifier.strict(), Gsm8kVerifier.flexible(), new MathVerifier(500),
        new ExactMatchVerifier());
    for (Verifier v : verifiers) {
      long start = System.nanoTime();
      for (String s : inputs) {
        for (String truth : List.of("42", "\\frac{1}{2}", s.length() < 300 ? s : "x")) {
          long t0 = System.nanoTime();
          Verifier.Result r = v.verify(s, truth);
          long ms = (System.nanoTime() - t0) / 1_000_000;
          assertTrue(r.score() == 0 || r.score() == 1, v.getClass().getSimpleName() + " scored " + r.score());
          assertTrue(ms < 3000, v.getClass().getSimpleName() + " took " + ms + " ms on input of length " + s.length());
        }
      }
      long total = (System.nanoTime() - start) / 1_000_000;
      assertTrue(total < 120_000, v.getClass().getSimpleName() + " took " + total + " ms for " + inputs.size() * 3 + " checks");
    }
  }
}
