package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.report.RunReport;
import dev.spro.pipelines.run.RunDirectory;
import dev.spro.transforms.metrics.MetricNames;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job as a user runs it — the default config, warm start, 40 GRPO iterations on the
 * embedded Flink cluster — learns: greedy test accuracy rises by at least 15 points (the README
 * shows 0.485 → 0.795). About three minutes on 2 cores, so it runs with {@code -Pslow}.
 */
@Tag("slow")
class DefaultRunLearnsTest {
  @TempDir Path tmp;

  @Test
  void theDefaultRunLearns() throws Exception {
    RunConfig c = new RunConfig();
    c.flink.restPort = 0;
    Path run = tmp.resolve("run");
    String printed = Runs.train(c, run);
    assertTrue(printed.contains("iterations 0..39 of grpo"), "the default algorithm is GRPO (the credit study)\n" + printed);
    List<JsonNode> rows = RunDirectory.metricRows(run);
    List<double[]> accuracy = RunReport.series(rows, "eval", MetricNames.VAL_ACCURACY);
    double first = accuracy.get(0)[1];
    double last = accuracy.get(accuracy.size() - 1)[1];
    assertTrue(first >= 0.3 && first <= 0.6, "the warm start lands in the 30-60% band: " + first + "\n" + printed);
    assertTrue(last - first >= 0.15, "accuracy " + first + " -> " + last + "\n" + printed);
  }
}
