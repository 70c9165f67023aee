package dev.spro.transforms.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A hand-checked table of (boxed answer, ground truth, equal?) covering each normalisation and
 * equivalence, checked in both directions.
 */
class MathVerifierTest {
  static final MathVerifier VERIFIER = new MathVerifier(5000);

  static Stream<Arguments> table() {
    return Stream.of(
        // plain and spacing
        Arguments.of("42", "42", true),
        Arguments.of(" 42 ", "42", true),
        Arguments.of("42", "43", false),
        Arguments.of("-7", "-7", true),
        Arguments.of("-7", "7", false),
        // fractions: dfrac/tfrac, shorthand, slash, decimals
        Arguments.of("\\dfrac{1}{2}", "\\frac{1}{2}", true),
        Arguments.of("\\tfrac{3}{4}", "\\frac34", true),
        Arguments.of("\\frac12", "\\frac{1}{2}", true),
        Arguments.of("\\frac1{2}", "\\frac{1}{2}", true),
        Arguments.of("3/4", "\\frac{3}{4}", true),
        Arguments.of("0.5", "\\frac{1}{2}", true),
        Arguments.of(".5", "\\frac{1}{2}", true),
        Arguments.of("0.75", "\\frac{3}{4}", true),
        Arguments.of("\\frac{2}{4}", "\\frac{1}{2}", true),
        Arguments.of("-\\frac{1}{3}", "\\frac{-1}{3}", true),
        Arguments.of("\\frac{1}{3}", "0.33", false),
        Arguments.of("\\frac{1}{2}", "\\frac{1}{3}", false),
        // \left \right
        Arguments.of("\\left(1, 2\\right)", "(1,2)", true),
        Arguments.of("\\left[0, 1\\right)", "[0,1)", true),
        // degrees and units
        Arguments.of("30^\\circ", "30", true),
        Arguments.of("30^{\\circ}", "30", true),
        Arguments.of("5 \\text{ cm}", "5", true),
        Arguments.of("12\\text{ inches}", "12", true),
        Arguments.of("\\text{Monday}", "Monday", true),
        Arguments.of("\\text{(A)}", "(A)", true),
        Arguments.of("\\textbf{B}", "B", true),
        Arguments.of("\\mbox{east}", "east", true),
        // dollars and percentages
        Arguments.of("\\$18.90", "18.90", true),
        Arguments.of("\\$18.90", "18.9", true),
        Arguments.of("50\\%", "50", true),
        Arguments.of("50\\%", "0.5", true),
        Arguments.of("25%", "25", true),
        Arguments.of("25\\%", "0.3", false),
        // trailing period, x = prefix
        Arguments.of("7.", "7", true),
        Arguments.of("x = 3", "3", true),
        Arguments.of("k=10", "10", true),
        Arguments.of("y = 2x + 1", "2x+1", true),
        // sqrt
        Arguments.of("\\sqrt3", "\\sqrt{3}", true),
        Arguments.of("2\\sqrt2", "2\\sqrt{2}", true),
        Arguments.of("\\sqrt{3}", "\\sqrt{2}", false),
        // large numbers with commas
        Arguments.of("1,000,000", "1000000", true),
        Arguments.of("10^{6}", "1000000", true),
        // numeric tolerance
        Arguments.of("3.14159265", "3.14159265000001", true),
        Arguments.of("3.1416", "3.14159", false),
        // tuples, intervals, sets
        Arguments.of("(1,2)", "(1, 2)", true),
        Arguments.of("(1,2)", "(2,1)", false),
        Arguments.of("(1,2)", "[1,2]", false),
        Arguments.of("(\\frac{1}{2}, 3)", "(0.5,3)", true),
        Arguments.of("\\{1,2,3\\}", "\\{3,2,1\\}", true),
        Arguments.of("\\{1,2\\}", "\\{1,3\\}", false),
        Arguments.of("(1,2,3)", "(1,2)", false),
        // symbolic (Symja)
        Arguments.of("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", true),
        Arguments.of("2\\sqrt{2}", "\\sqrt{8}", true),
        Arguments.of("x^2+2x+1", "(x+1)^2", true),
        Arguments.of("x^2+2x+1", "(x+1)^3", false),
        Arguments.of("\\frac{\\pi}{2}", "\\frac{2\\pi}{4}", true),
        Arguments.of("2^{10}", "1024", true),
        Arguments.of("a+b", "b+a", true),
        Arguments.of("\\sqrt{12}", "2\\sqrt{3}", true),
        Arguments.of("\\sqrt{12}", "3\\sqrt{2}", false),
        // words and letters
        Arguments.of("B", "B", true),
        Arguments.of("B", "C", false),
        Arguments.of("", "5", false));
  }

  @ParameterizedTest(name = "[{index}] {0} vs {1} -> {2}")
  @MethodSource("table")
  void bothDirections(String answer, String truth, boolean equal) {
    assertEquals(equal, VERIFIER.equivalent(answer, truth), answer + " vs " + truth);
    assertEquals(equal, VERIFIER.equivalent(truth, answer), truth + " vs " + answer);
    double expected = equal ? 1 : 0;
    assertEquals(expected, VERIFIER.verify("so the answer is $\\boxed{" + answer + "}$.", truth).score());
  }

  static Stream<Arguments> extraction() {
    return Stream.of(
        Arguments.of("\\boxed{5}", "5"),
        Arguments.of("first \\boxed{1} then \\boxed{2}", "2"),
        Arguments.of("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
        Arguments.of("\\boxed{\\{1,2\\}}", "\\{1,2\\}"),
        Arguments.of("\\boxed 5$ done", "5"),
        Arguments.of("\\fbox{7}", "7"),
        Arguments.of("\\boxed{unbalanced", null),
        Arguments.of("no box at all", null),
        Arguments.of("\\boxed", null));
  }

  @ParameterizedTest
  @MethodSource("extraction")
  void lastBoxed(String text, String expected) {
    assertEquals(expected, MathAnswers.lastBoxedContent(text));
  }
}
