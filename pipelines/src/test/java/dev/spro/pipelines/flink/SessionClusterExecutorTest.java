package dev.spro.pipelines.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Jobs submitted to a session cluster over its REST API ({@link FlinkOptions#forSessionCluster},
 * here the embedded cluster's endpoint, which shares this JVM's classes): Beam gets the job's
 * metrics back, and a failing job its root cause.
 */
class SessionClusterExecutorTest {
  static LocalFlinkCluster cluster;
  static String master;

  @BeforeAll
  static void start() {
    cluster = LocalFlinkCluster.start("localhost", 0, 2);
    master = cluster.webUi().getHost() + ":" + cluster.webUi().getPort();
  }

  @AfterAll
  static void stop() {
    FlinkOptions.endSessionClusterJobs();
    cluster.close();
  }

  static final class CountFn extends DoFn<Integer, Integer> {
    private final Counter seen = Metrics.counter("test", "seen");

    @ProcessElement
    public void process(@Element Integer i, OutputReceiver<Integer> out) {
      seen.inc();
      out.output(i);
    }
  }

  static final class FailFn extends DoFn<Integer, Integer> {
    @ProcessElement
    public void process(@Element Integer i) {
      if (i == 7) {
        throw new IllegalStateException("element 7 is not welcome");
      }
    }
  }

  @Test
  void aJobReturnsItsMetrics() {
    Pipeline p = Pipeline.create(FlinkOptions.forSessionCluster(master, List.of(), 2, "session-metrics"));
    p.apply(Create.of(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10))).apply(ParDo.of(new CountFn()));
    PipelineResult result = p.run();
    assertEquals(PipelineResult.State.DONE, result.waitUntilFinish());
    long seen = 0;
    for (var c : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named("test", "seen")).build()).getCounters()) {
      seen += c.getAttempted();
    }
    assertEquals(10, seen);
  }

  /**
   * The driver has a job's result as soon as the cluster has it. A first version closed its REST
   * client on the client's own thread, which then waited out the client's shutdown timeout: every
   * job returned seconds after it had ended (this one took 5.3 s).
   */
  @Test
  void aShortJobReturnsAtOnce() {
    aJobReturnsItsMetrics(); // classes loaded and compiled, as for every iteration after the first
    long start = System.nanoTime();
    aJobReturnsItsMetrics();
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds < 2.5, "a ten-element job took " + seconds + " s from submission to its result");
  }

  @Test
  void aFailingJobGivesItsRootCause() {
    Pipeline p = Pipeline.create(FlinkOptions.forSessionCluster(master, List.of(), 2, "session-failure"));
    p.apply(Create.of(List.of(5, 6, 7))).apply(ParDo.of(new FailFn()));
    RuntimeException e = assertThrows(RuntimeException.class, () -> p.run().waitUntilFinish());
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    assertTrue(root.getMessage() != null && root.getMessage().contains("element 7 is not welcome"), root.toString());
  }

  @Test
  void aMasterThatIsNotHostAndPortIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> FlinkOptions.forSessionCluster("localhost", List.of(), 2, "x"));
  }
}
