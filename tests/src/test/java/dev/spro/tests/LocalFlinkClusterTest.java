package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.pipelines.check.EngineCheck;
import dev.spro.pipelines.flink.LocalFlinkCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** One embedded cluster, several Beam jobs submitted to it, all visible in its REST API / web UI. */
class LocalFlinkClusterTest {
  @Test
  void jobsSubmittedToTheRunClusterShowInItsRestApi() throws Exception {
    try (LocalFlinkCluster cluster = LocalFlinkCluster.start("localhost", 0, 2)) {
      for (int job = 0; job < 2; job++) {
        EngineCheck.Report r = EngineCheck.run(cluster.options(2, "check-job-" + job), 20, 32);
        assertTrue(r.passed(20), r.toString());
      }
      HttpResponse<String> overview = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(cluster.webUi() + "/jobs/overview")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, overview.statusCode());
      assertTrue(overview.body().contains("check-job-0") && overview.body().contains("check-job-1"), overview.body());
      HttpResponse<String> ui = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(cluster.webUi() + "/")).build(), HttpResponse.BodyHandlers.ofString());
      assertTrue(ui.body().contains("<html") || ui.body().contains("<!doctype"), "the web UI is served");
      // A second cluster on the same port is a clear error.
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> LocalFlinkCluster.start("localhost", cluster.webUi().getPort(), 1));
      assertTrue(e.getMessage().contains("already in use"), e.getMessage());
    }
  }
}
