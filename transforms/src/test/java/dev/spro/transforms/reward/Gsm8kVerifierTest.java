package dev.spro.transforms.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.spro.schemas.Prompt;
import dev.spro.transforms.data.Gsm8k;
import dev.spro.transforms.data.SharedData;
import java.util.List;
import org.junit.jupiter.api.Test;

class Gsm8kVerifierTest {
  static final Verifier STRICT = Gsm8kVerifier.strict();

  /** Every reference solution of the real test set scores 1; with its final number changed, 0. */
  @Test
  void everyTestSetReferenceSolutionScoresOneAndAChangedAnswerZero() {
    List<Prompt> test = Gsm8k.convert(SharedData.gsm8k("test.jsonl"), "test").prompts();
    assertEquals(1319, test.size());
    for (Prompt p : test) {
      String answer = p.getExtraInfo().get("answer");
      Verifier.Result r = STRICT.verify(answer, p.getGroundTruth());
      assertEquals(1.0, r.score(), p.getId() + ": " + answer);
      int hashes = answer.lastIndexOf("#### ");
      String changed = answer.substring(0, hashes) + "#### " + changedNumber(p.getGroundTruth());
      assertEquals(0.0, STRICT.verify(changed, p.getGroundTruth()).score(), p.getId() + ": " + changed);
    }
  }

  static String changedNumber(String truth) {
    return truth.startsWith("-") ? truth.substring(1) + "1" : truth + "1";
  }

  @Test
  void registryNamesSourcesPrefixesCustomClassesAndFailsClearly() {
    VerifierRegistry r = VerifierRegistry.standard(false);
    assertEquals(Gsm8kVerifier.class, r.get("gsm8k").getClass());
    assertEquals(MathVerifier.class, r.get("numina_olympiads").getClass());
    assertEquals(MathVerifier.class, r.get("HuggingFaceH4/MATH-500").getClass());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> r.get("my_source"));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("'my_source'") && e.getMessage().contains("openai/gsm8k"),
        e.getMessage());
    r.registerClass("my_source", ExactMatchVerifier.class.getName());
    assertEquals(1.0, r.get("my_source").verify("Yes", "yes").score());
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> r.registerClass("x", "java.lang.String"));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> r.registerClass("x", "no.such.Class"));
    assertEquals(ExactMatchVerifier.class, VerifierRegistry.standard(true).get("my_source").getClass());
  }

  @Test
  void strictAndFlexibleByHand() {
    assertEquals(1.0, STRICT.verify("so 3+4=7 #### 7", "7").score());
    assertEquals(1.0, STRICT.verify("#### 1,234", "1234").score());
    assertEquals(1.0, STRICT.verify("#### 5 then #### 12", "12").score(), "the last one counts");
    assertEquals(0.0, STRICT.verify("The answer is 7.", "7").score(), "strict needs ####");
    assertNull(STRICT.verify("The answer is 7.", "7").extracted());
    assertEquals(1.0, Gsm8kVerifier.flexible().verify("The answer is 7.", "7").score());
    assertEquals(1.0, Gsm8kVerifier.flexible().verify("we get 1,000 apples", "1000").score());
    // Only the final 300 characters count.
    assertEquals(0.0, STRICT.verify("#### 7" + " ".repeat(400), "7").score());
    assertEquals(1.0, STRICT.verify("x".repeat(10_000) + "#### 7", "7").score());
  }
}
