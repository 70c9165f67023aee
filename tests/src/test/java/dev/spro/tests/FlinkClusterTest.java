package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.flink.ClusterJars;
import dev.spro.pipelines.flink.JobJarStaging;
import dev.spro.pipelines.run.Driver;
import dev.spro.pipelines.run.RunDirectory;
import dev.spro.runners.cluster.SessionCluster;
import dev.spro.schemas.Rollout;
import dev.spro.schemas.io.AvroFiles;
import dev.spro.transforms.metrics.MetricNames;
import dev.spro.transforms.stages.FaultInjection;
import dev.spro.transforms.stages.RunLayout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
 * the jars the build put in runners/target (cluster-lib and this build's job jar) — runs the tiny
 * config on its own copy of this build's classes while Prometheus can scrape it, refuses a command
 * of another build, survives a TaskManager SIGKILLed in the middle of sampling, and stops without
 * leaving a process behind; a cluster without the project's jar gets it with every job.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlinkClusterTest {
  @TempDir static Path tmp;
  static SessionCluster cluster;
  static int port;
  static List<Long> pids = new ArrayList<>();
  /** The JobManager's Prometheus port; the TaskManagers' are the two above it. */
  static int prometheusPort;

  /** The first of {@code n} consecutive free ports. */
  static int freePorts(int n) throws Exception {
    for (int base = 20000 + (int) (ProcessHandle.current().pid() % 1000) * 20; ; base += n) {
      boolean free = true;
      for (int i = 0; i < n && free; i++) {
        try (ServerSocket s = new ServerSocket(base + i)) {
          // free
        } catch (java.io.IOException inUse) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
  }

  static String scrape(int port) {
    try {
      // simpleclient writes label sets as {run="tiny",}
      return PrometheusEndpointTest.HTTP.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://localhost:" + port + "/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body().replace(",}", "}");
    } catch (Exception notYet) {
      return "";
    }
  }

  @BeforeAll
  static void start() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    cluster = new SessionCluster(tmp.resolve("cluster"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    prometheusPort = freePorts(3);
    cluster.start(new SessionCluster.Settings(2, 2, "2g", "1024m", "localhost", port, List.of(), true, prometheusPort),
        ClusterJars.clusterLib(), ClusterJars.jobJar(), new PrintStream(out, true, StandardCharsets.UTF_8), Duration.ofMinutes(3));
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
    RunConfig c = onCluster();
    try (ServerSocket free = new ServerSocket(0)) {
      c.flink.prometheusPort = free.getLocalPort();
    }
    CompletableFuture<String> training = CompletableFuture.supplyAsync(() -> {
      try {
        return train(c, run, null);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    // while it trains: the run's gauges from the driver, a job's stages from a TaskManager, the JobManager's own
    boolean driverSeen = false;
    boolean jobSeen = false;
    String taskManagers = "";
    while (!training.isDone()) {
      driverSeen |= scrape(c.flink.prometheusPort).contains("spro_iteration{run=\"tiny\"}");
      taskManagers = scrape(prometheusPort + 1) + scrape(prometheusPort + 2);
      jobSeen |= taskManagers.lines().anyMatch(l -> l.startsWith("flink_taskmanager_job_task_operator_numRecordsIn{")
          && l.matches(".*job_name=\"tiny-iter-\\d+\".*") && l.matches(".*operator_name=\"[^\"]* at [A-Za-z]+/.*"));
      Thread.sleep(100);
    }
    String printed = training.get();
    assertTrue(printed.contains("Prometheus metrics (the run's spro_* gauges): http://localhost:" + c.flink.prometheusPort), printed);
    assertTrue(driverSeen, "the driver served spro_iteration during the run");
    assertTrue(jobSeen, "a TaskManager served the stages' operator metrics of an iteration job:\n" + taskManagers);
    assertTrue(scrape(prometheusPort).contains("flink_jobmanager_numRegisteredTaskManagers"), scrape(prometheusPort));
    assertTrue(scrape(prometheusPort + 1).contains("flink_taskmanager_Status_JVM_Memory_Heap_Used"));
    assertEquals("", scrape(c.flink.prometheusPort), "the driver's endpoint is closed with the run");
    assertTrue(printed.contains("iter    1"), printed);
    assertTrue(printed.contains("Flink session cluster: the cluster at localhost:" + port + " carries this build"), printed);
    // what its jobs stage: one jar without a class (for none at all Beam would stage this JVM's whole classpath)
    List<String> staged = dev.spro.pipelines.run.JobOptions.staging(onCluster()).filesToStage();
    assertEquals(1, staged.size(), staged.toString());
    try (var jar = new java.util.jar.JarFile(staged.get(0))) {
      assertFalse(jar.stream().anyMatch(e -> e.getName().endsWith(".class")), staged.get(0) + " holds classes");
    }
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
    // without GPUs a job's shards share the first TaskManager (one engine thread pool on this
    // machine's cores); with them each TaskManager has a device and the shards are spread
    assertEquals(1, taskManagersOf(jobs, "tiny-iter-000001", "GradientStep/ShardGradients").size(),
        "the gradient shards of a CPU cluster ran in one TaskManager");
    // no job jar: the TaskManagers' own classes, whose resident models outlive a job — iteration 1
    // loads its new policy (once per TaskManager at most) and not the reference again, as embedded
    assertTrue(modelLoads(run, 1) <= 2, "model loads in iteration 1: " + modelLoads(run, 1));
    assertEquals(modelLoads(reference, 1), 1, "embedded: the new policy only");
    assertTimeline(run, 2);
    assertTimeline(reference, 2);
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
   * timeline.jsonl has a line per iteration job whose parts add up: Flink's phases within the
   * driver's wall time, the stages' compute and I/O within it too, the job's vertices named by the
   * stages.
   */
  static void assertTimeline(Path run, int iterations) throws Exception {
    List<String> lines = Files.readAllLines(run.resolve("timeline.jsonl"));
    assertEquals(iterations, lines.size(), lines.toString());
    for (int k = 0; k < iterations; k++) {
      JsonNode t = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(k));
      double wall = t.path("wall_s").asDouble();
      String where = run + " iteration " + k + ": " + lines.get(k);
      assertEquals(k, t.path("iteration").asInt(), where);
      assertTrue(t.path("compute_s").asDouble() > 0 && t.path("io_s").asDouble() > 0, where);
      assertTrue(t.path("compute_s").asDouble() + t.path("io_s").asDouble() < wall, where);
      assertEquals(wall, t.path("compute_s").asDouble() + t.path("io_s").asDouble() + t.path("rest_s").asDouble(), 1e-6, where);
      double phases = 0;
      for (String phase : List.of("submit_s", "schedule_s", "run_s", "return_s")) {
        assertTrue(t.path(phase).asDouble(-1) >= 0, phase + " of " + where);
        phases += t.path(phase).asDouble();
      }
      assertEquals(wall, phases, 0.01, where);
      StringBuilder vertices = new StringBuilder();
      t.path("vertices").forEach(v -> vertices.append(v.path("name").asText()).append('\n'));
      assertTrue(vertices.toString().contains("GroupSampling") && vertices.toString().contains("GradientStep"), where);
    }
  }

  /** {@code perf/model_loads} of iteration {@code k}'s training line. */
  static long modelLoads(Path run, int k) throws Exception {
    for (JsonNode row : RunDirectory.metricRows(run)) {
      if (row.path("phase").asText().equals("train") && row.path("iteration").asInt() == k) {
        return row.path(MetricNames.PERF_MODEL_LOADS).asLong(-1);
      }
    }
    throw new AssertionError("no training line of iteration " + k + " in " + run);
  }

  /**
   * A command of another build is refused before the run directory is touched, naming both builds
   * (a job could not bring its own jar either: the cluster's Avro would resolve the records to the
   * cluster's classes).
   */
  @Test
  @Order(2)
  void aCommandOfAnotherBuildIsRefused() throws Exception {
    String clusterBuild = JobJarStaging.buildId(ClusterJars.jobJar()).substring(0, 12);
    Path other = tmp.resolve("other-build-job.jar");
    Files.copy(ClusterJars.jobJar(), other);
    try (FileSystem zip = FileSystems.newFileSystem(other)) {
      Files.writeString(zip.getPath("META-INF", "another-build.txt"), "a rebuilt job jar");
    }
    String before = System.getProperty("spro.jobJar");
    System.setProperty("spro.jobJar", other.toString());
    try {
      Path refused = tmp.resolve("refused");
      ConfigException e = assertThrows(ConfigException.class, () -> train(onCluster(), refused, null));
      assertTrue(e.getMessage().contains("carries SPRO build " + clusterBuild)
          && e.getMessage().contains("this command is build " + JobJarStaging.buildId(other).substring(0, 12))
          && e.getMessage().contains("spro cluster start"), e.getMessage());
      assertFalse(Files.exists(refused), "refused before the run directory was made");
    } finally {
      if (before == null) {
        System.clearProperty("spro.jobJar");
      } else {
        System.setProperty("spro.jobJar", before);
      }
    }
  }

  /**
   * A cluster without the project's jar ({@code --no-project-jar}, or anyone's Flink) gets the job
   * jar with every job and computes the same bits, each job in a class loader of its own. Last:
   * it stops the cluster of the other tests (two clusters on one machine would share the
   * JobManager's RPC port).
   */
  @Test
  @Order(5)
  void aClusterWithoutTheProjectJarGetsItWithEveryJob() throws Exception {
    cluster.stop(Duration.ofSeconds(20));
    String build = JobJarStaging.buildId(ClusterJars.jobJar()).substring(0, 12);
    int sharedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      sharedPort = s.getLocalPort();
    }
    SessionCluster shared = new SessionCluster(tmp.resolve("shared-cluster"));
    try {
      shared.start(new SessionCluster.Settings(1, 2, "2g", "1024m", "localhost", sharedPort, List.of(), false, 0),
          ClusterJars.clusterLib(), ClusterJars.jobJar(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
          Duration.ofMinutes(3));
      RunConfig c = onCluster();
      c.flink.master = "localhost:" + sharedPort;
      c.run.iterations = 1;
      Path run = tmp.resolve("staged");
      String printed = train(c, run, null);
      assertTrue(printed.contains("has no SPRO classes of its own: every job brings the job jar (" + build + ")"), printed);
      assertArrayEquals(Runs.checkpointBytes(tmp.resolve("undisturbed"), 1).get(0), Runs.checkpointBytes(run, 1).get(0));
    } finally {
      shared.stop(Duration.ofSeconds(20));
    }
  }

  /**
   * The web UI's view of an iteration job: its description under Configuration (Beam hands the
   * options to Flink as global job parameters) and its operators named by the stages' Beam paths.
   */
  /** The TaskManagers that ran the subtasks of job {@code name}'s vertex whose name contains {@code operator}. */
  static Set<String> taskManagersOf(JsonNode jobs, String name, String operator) {
    String jid = null;
    for (JsonNode j : jobs) {
      if (j.get("name").asText().equals(name)) {
        jid = j.get("jid").asText();
      }
    }
    Set<String> taskManagers = new java.util.TreeSet<>();
    for (JsonNode v : SessionCluster.rest("localhost", port, "/jobs/" + jid).orElseThrow().get("vertices")) {
      if (v.get("name").asText().contains(operator)) {
        SessionCluster.rest("localhost", port, "/jobs/" + jid + "/vertices/" + v.get("id").asText() + "/taskmanagers")
            .orElseThrow().get("taskmanagers").forEach(tm -> taskManagers.add(tm.get("taskmanager-id").asText()));
      }
    }
    assertFalse(taskManagers.isEmpty(), "no vertex of " + name + " names " + operator);
    return taskManagers;
  }

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
  @Order(3)
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
  @Order(4)
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
