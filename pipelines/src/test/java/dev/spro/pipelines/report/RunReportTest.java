package dev.spro.pipelines.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.pipelines.config.RunConfig;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {
  @TempDir Path tmp;

  Path run(String name, double slope) throws Exception {
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir);
    List<String> lines = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      lines.add(String.format(java.util.Locale.ROOT,
          "{\"iteration\":%d,\"phase\":\"train\",\"critic/score/mean\":%.3f,\"response_length/mean\":%d,"
              + "\"actor/entropy\":0.3,\"actor/kl_ref\":%.4f,\"timing_s/step\":2.5}", k, 0.3 + slope * k, 20 - k, 0.001 * k));
      if (k % 5 == 0) {
        lines.add(String.format(java.util.Locale.ROOT, "{\"iteration\":%d,\"phase\":\"eval\",\"val/accuracy\":%.3f}", k, 0.4 + slope * k));
      }
    }
    Files.write(dir.resolve("metrics.jsonl"), lines);
    RunConfig c = new RunConfig();
    c.algorithm.name = name;
    c.write(dir.resolve("run.yaml"));
    return dir;
  }

  @Test
  void chartsOfTwoRunsInPngsAndOneSelfContainedPage() throws Exception {
    System.setProperty("java.awt.headless", "true");
    Path page = RunReport.write(List.of(run("spro", 0.02), run("grpo", 0.01)), tmp.resolve("out"), "grpo", 5);
    String html = Files.readString(page);
    assertEquals(6, html.split("<img ").length - 1, "six charts embedded");
    assertTrue(html.contains("data:image/png;base64,") && !html.contains("src=\"http"), "self-contained");
    assertTrue(html.contains("<td style=\"text-align:left\">spro</td>") && html.contains("<td>0.500</td>"), "comparison table: last test accuracy of spro");
    assertTrue(Files.readString(tmp.resolve("out/comparison.md")).startsWith("| run | algorithm |"));
    for (String name : List.of("reward", "accuracy", "length", "entropy", "kl", "seconds")) {
      BufferedImage img = ImageIO.read(tmp.resolve("out").resolve(name + ".png").toFile());
      assertEquals(800, img.getWidth());
      assertEquals(450, img.getHeight());
    }
  }

  @Test
  void aDirectoryWithoutMetricsIsAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RunReport.write(List.of(tmp.resolve("nothing")), tmp.resolve("out"), "grpo", 5));
    assertTrue(e.getMessage().contains("no metrics.jsonl"), e.getMessage());
  }
}
