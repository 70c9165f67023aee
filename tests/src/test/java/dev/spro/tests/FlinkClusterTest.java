package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.flink.ClusterJars;
import dev.spro.pipelines.run.Driver;
import dev.spro.runners.cluster.SessionCluster;
import dev.spro.schemas.Rollout;
import dev.spro.schemas.io.AvroFiles;
import dev.spro.transforms.stages.FaultInjection;
import dev.spro.transforms.stages.RunLayout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone session cluster — a JobManager and two TaskManagers, each its own JVM, from
 * the jars the build put in runners/target/cluster-lib — runs the tiny config, survives a
 * TaskManager SIGKILLed in the middle of sampling, and stops without leaving a process behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlinkClusterTest {
  @TempDir static Path tmp;
  static SessionCluster cluster;
  static int port;
  static List<Long> pids = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    cluster = new SessionCluster(tmp.resolve("cluster"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    cluster.start(new SessionCluster.Settings(2, 2, "2g", "1024m", "localhost", port, List.of()),
        ClusterJars.clusterLib(), new PrintStream(out, true, StandardCharsets.UTF_8), Duration.ofMinutes(3));
    for (String p : cluster.processNames()) {
      pids.add(cluster.pid(p).orElseThrow());
    }
    assertEquals(3, pids.size(), out.toString(StandardCharsets.UTF_8));
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster == null) {
      return;
    }
    cluster.stop(Duration.ofSeconds(20));
    for (long pid : pids) {
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " is still alive");
    }
    assertTrue(cluster.running().isEmpty());
    assertTrue(cluster.processNames().isEmpty(), "pid files removed");
  }

  static RunConfig onCluster() {
    RunConfig c = Runs.tiny();
    c.run.iterations = 2;
    c.flink.master = "localhost:" + port;
    return c;
  }

  static String train(RunConfig c, Path runDir, FaultInjection fault) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      new Driver(c, runDir, fault, out).run();
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  static List<String> rollouts(Path run, int k) throws Exception {
    List<String> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(RunLayout.stage(run, k, RunLayout.ROLLOUTS))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".avro")).toList()) {
        AvroFiles.read(f, Rollout.class).forEach(r -> all.add(r.toString()));
      }
    }
    all.sort(null);
    return all;
  }

  @Test
  @Order(1)
  void theTinyRunOnTheClusterEqualsTheEmbeddedOneAndTheWebUiListsItsJobs() throws Exception {
    Path run = tmp.resolve("undisturbed");
    String printed = train(onCluster(), run, null);
    assertTrue(printed.contains("iter    1"), printed);
    RunConfig embedded = Runs.tiny();
    embedded.run.iterations = 2;
    Path reference = tmp.resolve("embedded");
    Runs.train(embedded, reference);
    assertArrayEquals(Runs.checkpointBytes(reference, 2).get(0), Runs.checkpointBytes(run, 2).get(0),
        "the same bits on the session cluster as on the embedded one");

    JsonNode jobs = SessionCluster.rest("localhost", port, "/jobs/overview").orElseThrow().get("jobs");
    List<String> names = new ArrayList<>();
    jobs.forEach(j -> {
      if (j.get("state").asText().equals("FINISHED")) {
        names.add(j.get("name").asText());
      }
    });
    assertTrue(names.containsAll(List.of("tiny-iter-000000", "tiny-iter-000001")), names.toString());
    assertJobDescribesItself(jobs, "tiny-iter-000001");
    assertTrue(cluster.status().contains("2 TaskManager(s)"), cluster.status());

    // no code through the REST API, nothing listening beyond loopback, in any of its processes
    JsonNode features = SessionCluster.rest("localhost", port, "/config").orElseThrow().get("features");
    assertFalse(features.get("web-submit").asBoolean(), features.toString());
    assertFalse(features.get("web-cancel").asBoolean(), features.toString());
    var upload = EmbeddedClusterExposureTest.uploadJar(java.net.URI.create("http://localhost:" + port));
    assertTrue(upload.statusCode() >= 400, "upload answered " + upload.statusCode());
    for (long pid : pids) {
      assertEquals(List.of(), ListeningSockets.beyondLoopback(pid), "pid " + pid + ": " + ListeningSockets.of(pid));
    }
  }

  /**
   * The web UI's view of an iteration job: its description under Configuration (Beam hands the
   * options to Flink as global job parameters) and its operators named by the stages' Beam paths.
   */
  static void assertJobDescribesItself(JsonNode jobs, String name) throws Exception {
    String jid = null;
    for (JsonNode j : jobs) {
      if (j.get("name").asText().equals(name) && j.get("state").asText().equals("FINISHED")) {
        jid = j.get("jid").asText();
      }
    }
    assertTrue(jid != null, name + " finished");
    JsonNode user = SessionCluster.rest("localhost", port, "/jobs/" + jid + "/config").orElseThrow()
        .path("execution-config").path("user-config");
    assertEquals("tiny", user.path("sproRun").asText(), user.toString());
    assertEquals("1", user.path("sproIteration").asText(), user.toString());
    assertEquals("RL iteration 1 of 2: checkpoint 1 -> 2", user.path("sproJob").asText(), user.toString());
    assertEquals("spro (beta 0.05, msaClip 0.2)", user.path("sproAlgorithm").asText(), user.toString());
    StringBuilder operators = new StringBuilder();
    SessionCluster.rest("localhost", port, "/jobs/" + jid + "/plan").orElseThrow().path("plan").path("nodes")
        .forEach(n -> operators.append(n.path("description").asText()).append('\n'));
    for (String stage : List.of("GroupSampling", "OutcomeReward", "SelfGuidedReward", "Advantage", "GradientStep")) {
      assertTrue(operators.toString().contains(stage), stage + " in\n" + operators);
    }
  }

  @Test
  @Order(2)
  void aTaskManagerKilledInTheMiddleOfSamplingCostsARestartAndNothingElse() throws Exception {
    Path run = tmp.resolve("failover");
    Files.createDirectories(run);
    CompletableFuture<String> training = CompletableFuture.supplyAsync(() -> {
      try {
        return train(onCluster(), run, FaultInjection.parse("1:sample:stall"));
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    Path marker = run.resolve("fault-stall-1-sample.pid");
    long deadline = System.currentTimeMillis() + 240_000;
    while (!Files.exists(marker) && !training.isDone() && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(Files.exists(marker), "sampling of iteration 1 never started");
    Thread.sleep(200);
    long victim = Long.parseLong(Files.readString(marker).trim());
    List<Long> taskManagers = List.of(cluster.pid("taskmanager-0").orElseThrow(), cluster.pid("taskmanager-1").orElseThrow());
    assertTrue(taskManagers.contains(victim), "the stalled sampler runs in a TaskManager: " + victim + " of " + taskManagers);
    ProcessHandle.of(victim).orElseThrow().destroyForcibly(); // SIGKILL
    String printed = training.get(5, TimeUnit.MINUTES);
    assertTrue(printed.contains("iter    1"), printed);

    Path reference = tmp.resolve("undisturbed");
    assertEquals(rollouts(reference, 1), rollouts(run, 1), "every rollout once, the same as without the kill");
    assertEquals(rollouts(reference, 1).size(), 8 * 4);
    assertArrayEquals(Runs.checkpointBytes(reference, 2).get(0), Runs.checkpointBytes(run, 2).get(0));
    assertArrayEquals(Runs.checkpointBytes(reference, 2).get(1), Runs.checkpointBytes(run, 2).get(1));

    // the JobManager restarted the iteration's job after losing the TaskManager
    String failoverJob = null;
    for (JsonNode j : SessionCluster.rest("localhost", port, "/jobs/overview").orElseThrow().get("jobs")) {
      if (j.get("state").asText().equals("FINISHED") && j.get("name").asText().equals("tiny-iter-000001")
          && !j.get("jid").asText().isEmpty()) {
        JsonNode ex = SessionCluster.rest("localhost", port, "/jobs/" + j.get("jid").asText() + "/exceptions").orElseThrow();
        if (ex.path("exceptionHistory").path("entries").size() > 0) {
          failoverJob = j.get("jid").asText();
        }
      }
    }
    assertTrue(failoverJob != null, "one finished iteration-1 job recorded the lost TaskManager");
  }

  @Test
  @Order(3)
  void aRunResumesOnTheCluster() throws Exception {
    Path run = tmp.resolve("undisturbed");
    RunConfig c = dev.spro.pipelines.run.RunDirectory.frozenConfig(run);
    c.run.iterations = 3;
    c.flink.master = "localhost:" + port;
    String printed = train(c, run, null);
    assertTrue(printed.contains("resuming after iteration 1"), printed);
    assertTrue(Files.exists(RunLayout.checkpoint(run, 3).resolve("manifest.json")));
  }
}
