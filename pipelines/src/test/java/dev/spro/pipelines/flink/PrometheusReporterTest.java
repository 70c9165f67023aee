package dev.spro.pipelines.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.apache.flink.metrics.MetricConfig;
import org.junit.jupiter.api.Test;

/** The run's gauges as Prometheus reads them from the reporter's endpoint. */
class PrometheusReporterTest {
  @Test
  void runGaugesAreServedWithPrometheusNames() throws Exception {
    PrometheusReporter r = new PrometheusReporter();
    MetricConfig config = new MetricConfig();
    try (ServerSocket free = new ServerSocket(0)) {
      config.setProperty("port", Integer.toString(free.getLocalPort()));
    }
    r.open(config);
    try {
      RunGauges.INSTANCE.update("demo", 7, Map.of("critic/score/mean", 0.625, "timing_s/gen", 3.5, "phase", "train"));
      String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + r.port()
          + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(body.contains("spro_critic_score_mean{run=\"demo\",} 0.625"), body);
      assertTrue(body.contains("spro_timing_s_gen{run=\"demo\",} 3.5"), body);
      assertTrue(body.contains("spro_iteration{run=\"demo\",} 7.0"), body);
      RunGauges.INSTANCE.start("next");
      RunGauges.INSTANCE.update("next", 0, Map.of("timing_s/gen", 1.0));
      String next = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + r.port()
          + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(next.contains("spro_timing_s_gen{run=\"next\",} 1.0") && !next.contains("spro_critic_score_mean"),
          "a new run shows none of the last run's values: " + next);
    } finally {
      r.close();
    }
  }

  /**
   * A port from Flink 1.19's typed config.yaml arrives as an Integer, not a String: the reporter
   * listens on it (before the fix it fell back to 9249, where the session cluster's JobManager then
   * served).
   */
  @Test
  void aPortTypedAsAnIntegerIsTheOneItListensOn() throws Exception {
    PrometheusReporter r = new PrometheusReporter();
    MetricConfig config = new MetricConfig();
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    config.put("port", port);
    r.open(config);
    try {
      assertEquals(port, r.port());
    } finally {
      r.close();
    }
  }
}
