package dev.spro.pipelines.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.transforms.metrics.TaskClock;
import dev.spro.transforms.stages.GradientStep;
import dev.spro.transforms.stages.GroupSampling;
import dev.spro.transforms.stages.ResidentModels;
import dev.spro.transforms.stages.SelfGuidedReward;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;

/**
 * Where an iteration's wall time went, one line per job in the run's {@code timeline.jsonl}:
 * the driver's clock around the job, Flink's timestamps of the job and of each of its vertices
 * (from the cluster's REST API, embedded or session), and the stages' own clocks, in seconds:
 *
 * <ul>
 *   <li>{@code wall_s}: submission to result, as the driver saw it; split by Flink's timestamps
 *       into {@code submit_s} (translation, job graph, upload, until the JobManager has the job),
 *       {@code schedule_s} (until it runs), {@code run_s} and {@code return_s} (until the driver
 *       has the result);
 *   <li>{@code compute_s}: the compute of the slowest task of each stage ({@link TaskClock}),
 *       summed over the stages (sampling, scoring, gradient, optimizer): stages follow each other,
 *       and each lasts at least as long as its slowest task;
 *   <li>{@code io_s}: model loads and stage commits, the longest of each step, summed;
 *   <li>{@code rest_s}: the remainder — translation, submission, scheduling, the barriers between
 *       stages, shuffles, Beam's file writes, serialization.
 * </ul>
 *
 * {@code bench/overhead.sh} prints the shares. The line is informative: a cluster that does not
 * answer leaves it out, never the run.
 */
final class JobTimeline {
  static final String FILE = "timeline.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The stages' compute clocks: namespace and distribution. */
  private static final String[][] COMPUTE = {
      {GroupSampling.METRICS_NAMESPACE, TaskClock.TASK_MICROS},
      {SelfGuidedReward.METRICS_NAMESPACE, TaskClock.TASK_MICROS},
      {GradientStep.METRICS_NAMESPACE, TaskClock.TASK_MICROS},
      {GradientStep.METRICS_NAMESPACE, GradientStep.APPLY_TASK_MICROS}};

  private JobTimeline() {}

  /**
   * Appends the line of job {@code jobName} (iteration {@code k}), submitted at {@code submitMs}
   * and returned at {@code returnMs} (epoch ms), from the REST API at {@code restBase}
   * (http://host:port).
   */
  static void append(Path runDir, int k, String restBase, String jobName, long submitMs, long returnMs,
      PipelineResult result) throws IOException {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("iteration", k);
    line.put("job", jobName);
    double wall = (returnMs - submitMs) / 1e3;
    line.put("wall_s", wall);
    JsonNode job = job(restBase, jobName, submitMs);
    if (job != null) {
      long created = job.path("start-time").asLong();
      long running = job.path("timestamps").path("RUNNING").asLong(created);
      long finished = job.path("end-time").asLong();
      line.put("submit_s", (created - submitMs) / 1e3);
      line.put("schedule_s", (running - created) / 1e3);
      line.put("run_s", (finished - running) / 1e3);
      line.put("return_s", (returnMs - finished) / 1e3);
    }
    double compute = 0;
    Map<String, Double> stages = new LinkedHashMap<>();
    for (String[] c : COMPUTE) {
      double s = BeamCounters.sumOfStepMax(result, c[0], c[1]) / 1e6;
      stages.put(c[0] + "/" + c[1], s);
      compute += s;
    }
    double loads = BeamCounters.sumOfStepMax(result, ResidentModels.METRICS_NAMESPACE, ResidentModels.LOAD_MICROS) / 1e6;
    double commits = BeamCounters.sumOfStepMax(result, StageOutput.METRICS_NAMESPACE, StageOutput.COMMIT_MICROS) / 1e6;
    line.put("compute_s", compute);
    line.put("io_s", loads + commits);
    line.put("rest_s", wall - compute - loads - commits);
    line.put("compute_by_stage_s", stages);
    line.put("model_load_s", loads);
    line.put("commit_s", commits);
    if (job != null) {
      List<Map<String, Object>> vertices = new ArrayList<>();
      for (JsonNode v : job.path("vertices")) {
        Map<String, Object> m = new LinkedHashMap<>();
        String name = v.path("name").asText();
        m.put("name", name.length() > 160 ? name.substring(0, 160) + "..." : name);
        m.put("parallelism", v.path("parallelism").asInt());
        m.put("start_s", (v.path("start-time").asLong() - submitMs) / 1e3);
        m.put("end_s", (v.path("end-time").asLong() - submitMs) / 1e3);
        vertices.add(m);
      }
      line.put("vertices", vertices);
    }
    Files.writeString(runDir.resolve(FILE), JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** The details of the newest job named {@code name} that started after {@code sinceMs}; null if none. */
  private static JsonNode job(String restBase, String name, long sinceMs) throws IOException {
    JsonNode overview = get(restBase + "/jobs/overview");
    String jid = null;
    long newest = Long.MIN_VALUE;
    for (JsonNode j : overview.path("jobs")) {
      long start = j.path("start-time").asLong();
      if (j.path("name").asText().equals(name) && start >= sinceMs - 1000 && start > newest) {
        newest = start;
        jid = j.path("jid").asText();
      }
    }
    return jid == null ? null : get(restBase + "/jobs/" + jid);
  }

  private static JsonNode get(String url) throws IOException {
    try {
      HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
          .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException("GET " + url + " answered " + r.statusCode());
      }
      return JSON.readTree(r.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: GET " + url, e);
    }
  }
}
