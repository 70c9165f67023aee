package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.pipelines.config.RunConfig;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flink.prometheusPort}: while a run trains on the embedded cluster, Prometheus can scrape
 * its metrics — the run's metrics.jsonl values ({@code spro_*}), Flink's own, and the Beam
 * counters of the stages — from an endpoint that listens on loopback only.
 */
class PrometheusEndpointTest {
  static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir Path tmp;

  @Test
  void aRunsMetricsCanBeScrapedWhileItTrains() throws Exception {
    RunConfig c = Runs.tiny();
    c.run.iterations = 3;
    c.eval.every = 1;
    c.eval.testSize = 8;
    try (ServerSocket free = new ServerSocket(0)) {
      c.flink.prometheusPort = free.getLocalPort();
    }
    URI endpoint = URI.create("http://localhost:" + c.flink.prometheusPort + "/metrics");
    CompletableFuture<String> run = CompletableFuture.supplyAsync(() -> {
      try {
        return Runs.train(c, tmp.resolve("run"));
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    String scrape = "";
    List<String> listening = new ArrayList<>();
    List<String> beyondLoopback = List.of();
    while (!run.isDone()) {
      try {
        // simpleclient writes label sets as {run="tiny",}
        String s = HTTP.send(HttpRequest.newBuilder(endpoint).build(), HttpResponse.BodyHandlers.ofString()).body()
            .replace(",}", "}");
        if (s.contains("spro_iteration{run=\"tiny\"} 1.0") && s.contains("flink_taskmanager_job_task_operator_")) {
          scrape = s;
          listening = ListeningSockets.of(ProcessHandle.current().pid());
          beyondLoopback = ListeningSockets.beyondLoopback(ProcessHandle.current().pid());
        }
      } catch (java.io.IOException notYet) {
        // the cluster is starting or already gone
      }
      Thread.sleep(100);
    }
    String printed = run.get(1, TimeUnit.SECONDS);
    assertTrue(printed.contains("Prometheus metrics: " + endpoint), printed);
    assertTrue(!scrape.isEmpty(), "iteration 1's metrics and a running job's were scraped during the run");
    for (String metric : List.of("spro_critic_score_mean{run=\"tiny\"}", "spro_actor_kl_ref{run=\"tiny\"}",
        "spro_timing_s_gen{run=\"tiny\"}", "spro_perf_throughput{run=\"tiny\"}", "spro_val_accuracy{run=\"tiny\"}",
        "flink_jobmanager_numRegisteredTaskManagers", "flink_taskmanager_Status_JVM_Memory_Heap_Used")) {
      assertTrue(scrape.contains(metric), metric + " in:\n" + scrape);
    }
    // a job of the run (an iteration's or an evaluation's) and its stages, by Beam's transform names
    assertTrue(scrape.lines().anyMatch(l -> l.startsWith("flink_taskmanager_job_task_operator_numRecordsIn{")
        && l.matches(".*job_name=\"tiny-(iter|eval)-\\d+\".*") && l.matches(".*operator_name=\"[^\"]* at [A-Za-z]+/.*")),
        "the stages' operator metrics, by job and operator:\n" + scrape);
    assertTrue(listening.stream().anyMatch(a -> a.endsWith(":" + c.flink.prometheusPort)), listening.toString());
    assertEquals(List.of(), beyondLoopback, "nothing listens beyond loopback: " + listening);
  }
}
