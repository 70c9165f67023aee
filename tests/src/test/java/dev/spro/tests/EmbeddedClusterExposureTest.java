package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.pipelines.check.EngineCheck;
import dev.spro.pipelines.flink.LocalFlinkCluster;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The embedded cluster of a training run accepts no code through its REST API and listens on
 * loopback only: a jar upload is refused, /config says submission and cancellation are off, and
 * every socket the training JVM listens on (REST, BLOB, RPC, data exchange) is on 127.0.0.1.
 */
class EmbeddedClusterExposureTest {
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void noJarSubmissionAndNothingListensBeyondLoopback() throws Exception {
    try (LocalFlinkCluster cluster = LocalFlinkCluster.start("localhost", 0, 2)) {
      EngineCheck.Report r = EngineCheck.run(cluster.options(2, "exposure-check"), 20, 32);
      assertTrue(r.passed(20), r.toString());

      HttpResponse<String> config = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.webUi() + "/config")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(config.body().contains("\"web-submit\":false"), config.body());
      assertTrue(config.body().contains("\"web-cancel\":false"), config.body());

      HttpResponse<String> upload = uploadJar(cluster.webUi());
      assertTrue(upload.statusCode() >= 400, "upload answered " + upload.statusCode() + ": " + upload.body());
      HttpResponse<String> jars = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.webUi() + "/jars")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertFalse(jars.statusCode() == 200 && jars.body().contains("evil.jar"), jars.body());

      try (java.net.ServerSocket everywhere = new java.net.ServerSocket(0)) { // the check can see an exposed socket
        assertTrue(ListeningSockets.beyondLoopback(ProcessHandle.current().pid()).stream()
            .anyMatch(a -> a.endsWith(":" + everywhere.getLocalPort())), "a socket on all interfaces is seen");
      }
      List<String> listening = ListeningSockets.of(ProcessHandle.current().pid());
      assertFalse(listening.isEmpty(), "the REST endpoint at least listens");
      assertEquals(List.of(), ListeningSockets.beyondLoopback(ProcessHandle.current().pid()), "all: " + listening);
    }
  }

  /** POST /jars/upload of a small jar, as `flink run` through the web UI would. */
  static HttpResponse<String> uploadJar(URI rest) throws Exception {
    ByteArrayOutputStream jar = new ByteArrayOutputStream();
    try (JarOutputStream j = new JarOutputStream(jar)) {
      j.putNextEntry(new ZipEntry("Evil.class"));
      j.write(new byte[] {(byte) 0xCA, (byte) 0xFE});
      j.closeEntry();
    }
    String boundary = "----spro" + System.nanoTime();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"evil.jar\"\r\n"
        + "Content-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.write(jar.toByteArray());
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return HTTP.send(HttpRequest.newBuilder(URI.create(rest + "/jars/upload"))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
  }
}
