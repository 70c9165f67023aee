package dev.spro.pipelines.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.pipelines.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunComparisonTest {
  @TempDir Path tmp;

  /** A run directory: test accuracy {@code acc[i]} at iteration 5*i, KL rising to {@code peakKl}, {@code seconds} per iteration. */
  Path run(String name, String algorithm, long seed, double lr, double[] acc, double peakKl, double seconds) throws Exception {
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir);
    List<String> lines = new ArrayList<>();
    int iterations = 5 * (acc.length - 1);
    for (int k = 0; k <= iterations; k++) {
      if (k % 5 == 0) {
        lines.add(String.format(Locale.ROOT, "{\"iteration\":%d,\"phase\":\"eval\",\"val/accuracy\":%.3f}", k, acc[k / 5]));
      }
      if (k < iterations) {
        // iteration 3 is slow (a GC pause): the median ignores it
        lines.add(String.format(Locale.ROOT, "{\"iteration\":%d,\"phase\":\"train\",\"response_length/mean\":%d,"
            + "\"actor/entropy\":%.2f,\"actor/kl_ref\":%.4f,\"timing_s/step\":%.2f}", k, 30 - k, 0.5 - 0.01 * k,
            peakKl * (k + 1) / iterations, k == 3 ? 99.0 : seconds));
      }
    }
    Files.write(dir.resolve("metrics.jsonl"), lines);
    RunConfig c = new RunConfig();
    c.algorithm.name = algorithm;
    c.run.seed = seed;
    c.optimizer.lr = lr;
    c.write(dir.resolve("run.yaml"));
    return dir;
  }

  @Test
  void summaryOfOneRun() throws Exception {
    RunComparison.RunSummary r = RunComparison.summarize(
        run("spro-s1", "spro", 1, 1e-4, new double[] {0.4, 0.6, 0.7}, 0.02, 2.0), 5);
    assertEquals("spro", r.algorithm());
    assertEquals(0.4, r.startAccuracy(), 1e-12);
    assertEquals(0.7, r.finalAccuracy(), 1e-12);
    assertEquals(0.02, r.peakKl(), 1e-9);
    assertEquals(2.0, r.secondsPerIteration(), 1e-12, "median, not the mean with the slow iteration");
    assertEquals((25 + 24 + 23 + 22 + 21) / 5.0, r.meanLength(), 1e-9, "the last 5 of iterations 0..9");
    assertEquals(5, r.iterationsToReach(0.6));
    assertEquals(5, r.iterationsToReach(0.55));
    assertEquals(-1, r.iterationsToReach(0.8));
    assertEquals("spro", r.label());
    assertFalse(r.collapsed());
  }

  @Test
  void collapseIsAnAccuracyDropOrARunawayKl() throws Exception {
    assertTrue(RunComparison.summarize(run("a", "spro", 1, 1e-4, new double[] {0.5, 0.3, 0.35}, 0.05, 2), 5).collapsed());
    assertTrue(RunComparison.summarize(run("b", "spro", 1, 1e-4, new double[] {0.5, 0.6, 0.6}, 3.0, 2), 5).collapsed());
    assertFalse(RunComparison.summarize(run("c", "spro", 1, 1e-4, new double[] {0.5, 0.45, 0.45}, 0.5, 2), 5).collapsed());
  }

  @Test
  void eachRunIsMeasuredAgainstTheBaselineOfItsSeedAndLearningRate() throws Exception {
    List<RunComparison.RunSummary> runs = new ArrayList<>();
    runs.add(RunComparison.summarize(run("grpo-s1", "grpo", 1, 1e-4, new double[] {0.4, 0.5, 0.6}, 0.02, 2.0), 5));
    runs.add(RunComparison.summarize(run("spro-s1", "spro", 1, 1e-4, new double[] {0.4, 0.6, 0.7}, 0.02, 2.2), 5));
    runs.add(RunComparison.summarize(run("grpo-s2", "grpo", 2, 1e-4, new double[] {0.4, 0.7, 0.8}, 0.02, 4.0), 5));
    runs.add(RunComparison.summarize(run("spro-s2", "spro", 2, 1e-4, new double[] {0.4, 0.5, 0.75}, 0.02, 4.0), 5));
    // a GRPO run at another learning rate must not be spro-s1's yardstick
    runs.add(RunComparison.summarize(run("grpo-fast-s1", "grpo", 1, 1e-3, new double[] {0.4, 0.2, 0.1}, 2.0, 1.0), 5));
    RunComparison.Table t = RunComparison.table(runs, "grpo", 5);
    List<List<String>> rows = t.rows(0);
    assertEquals(List.of("spro-s1", "spro", "1", "0.400", "0.700", "0.700", "5", "0.0200", "no", "23.0", "0.430", "2.20", "1.10"),
        rows.get(1));
    assertEquals("not reached", rows.get(3).get(6), "spro-s2 never reached grpo-s2's 0.8");
    assertEquals("10", rows.get(0).get(6), "grpo-s1 reached its own final accuracy at the end");
    assertEquals("yes", rows.get(4).get(8));
    List<List<String>> over = t.rows(1);
    List<String> spro = over.stream().filter(r -> r.get(0).equals("spro")).findFirst().orElseThrow();
    assertEquals("2", spro.get(2));
    assertEquals("0.725 [0.700, 0.750]", spro.get(4));
    assertEquals("5.0 (1 of 2 reached)", spro.get(6));
    assertEquals("1.05", spro.get(12), "mean of 2.2/2.0 and 4.0/4.0");
    String md = t.markdown();
    assertTrue(md.contains("| runs (over seeds) |"), md);
    assertTrue(t.html().contains("<td style=\"text-align:left\">grpo-fast</td>"));
  }
}
