package dev.spro.pipelines.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scores of an evaluation from its counts, and their verl names, on hand-computed values. */
class EvalScoreTest {
  // 4 samples per prompt; 5 prompts: two with 0 correct, one with 1, one with 2, one with 4
  static final EvalScore A = new EvalScore("gsm8k", 4, 20, 7, 300, new long[] {2, 1, 1, 0, 1});
  static final EvalScore B = new EvalScore("math", 4, 8, 8, 40, new long[] {0, 0, 0, 0, 2});

  @Test
  void meanAndUnbiasedPassAtK() {
    assertEquals(5, A.prompts());
    assertEquals(7 / 20.0, A.accuracy(), 1e-15);
    assertEquals(15.0, A.meanResponseLength(), 1e-15);
    assertEquals(A.accuracy(), A.passAt(1), 1e-15); // pass@1 is the mean
    // pass@2 per prompt: c=0: 0, c=1: 1 - C(3,2)/C(4,2) = 1/2, c=2: 1 - 1/6 = 5/6, c=4: 1
    assertEquals((0.5 + 5.0 / 6 + 1) / 5, A.passAt(2), 1e-15);
    assertEquals(3 / 5.0, A.passAt(4), 1e-15); // any correct one
  }

  @Test
  void allIsTheSumOfTheSources() {
    EvalScore all = A.plus(B, "all");
    assertEquals(7, all.prompts());
    assertEquals(15 / 28.0, all.accuracy(), 1e-15);
    assertEquals(5 / 7.0, all.passAt(4), 1e-15);
  }

  @Test
  void verlNamesPerDataSource() {
    Map<String, EvalScore> greedyBy = new LinkedHashMap<>();
    greedyBy.put("gsm8k", new EvalScore("gsm8k", 1, 5, 2, 50, new long[] {3, 2}));
    EvalScore g = greedyBy.get("gsm8k");
    Evaluation.Result greedy = new Evaluation.Result(1, greedyBy, g.plus(new EvalScore("x", 1, 0, 0, 0, new long[2]), "all"));
    Evaluation.Result sampled = new Evaluation.Result(4, Map.of("gsm8k", A), A.plus(new EvalScore("x", 4, 0, 0, 0,
        new long[5]), "all"));
    Map<String, Double> m = Evaluation.metrics(greedy, sampled);
    assertEquals(0.4, m.get("val/accuracy"), 1e-15);
    assertEquals(0.4, m.get("val-core/gsm8k/acc/mean@1"), 1e-15);
    assertEquals(7 / 20.0, m.get("val-core/gsm8k/acc/mean@4"), 1e-15);
    assertEquals(3 / 5.0, m.get("val-core/gsm8k/acc/pass@4"), 1e-15);
    assertEquals(A.passAt(2), m.get("val-aux/gsm8k/acc/pass@2"), 1e-15);
    assertEquals(10.0, m.get("val-aux/gsm8k/response_length/mean@1"), 1e-15);
    assertEquals(15.0, m.get("val-aux/gsm8k/response_length/mean@4"), 1e-15);
    String table = Evaluation.table(greedy, sampled);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("gsm8k") && l.contains("0.400") && l.contains("0.350")
        && l.contains("0.600")), table);
  }
}
