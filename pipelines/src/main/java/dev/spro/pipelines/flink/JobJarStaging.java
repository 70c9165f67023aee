package dev.spro.pipelines.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Whether a job for a Flink session cluster brings this project's classes in its job jar, or
 * runs on the copy the cluster already has on its classpath.
 *
 * <p>Staging costs every job (one per RL iteration): the 37 MB jar is uploaded to the BLOB
 * server, every TaskManager fetches it and opens a fresh user class loader, so Beam and this
 * project start cold (class loading, JIT) and every static cache dies with the job — the worker's
 * resident models ({@code ResidentModels}) among them, so the reference was loaded again each
 * iteration. A cluster that has the jar on its own classpath ({@code spro cluster start} puts it
 * there, or an administrator copies it into Flink's {@code lib/}) needs none of that, but must have
 * <em>this</em> build: a cluster names the build it carries as {@value #BUILD_KEY} (the SHA-256 of
 * the job jar) in its configuration, which the submitting side reads from the REST API ({@code
 * /jobmanager/config}) before each job. A job cannot bring its own jar to a cluster that carries
 * another build either: Avro and Beam, loaded by the cluster, would resolve the records by name
 * to the cluster's classes, not the job's (a {@code ClassCastException} between two {@code
 * Rollout}s). So:
 *
 * <ul>
 *   <li>the cluster carries this build: nothing is staged (a jar without classes, see {@link
 *       #noClassesJar});
 *   <li>it carries another build, or has a SPRO jar on its classpath without naming its build:
 *       refused before submission, saying what to do;
 *   <li>it has no SPRO classes at all (a cluster shared by several builds): the job jar is staged.
 * </ul>
 */
public final class JobJarStaging {
  /** The configuration key in which a session cluster names the build on its classpath. */
  public static final String BUILD_KEY = "spro.build.id";
  /** Where that build's job jar is on the cluster's machines (informational). */
  public static final String JAR_KEY = "spro.build.jar";

  /** The decision for one job: the jars to stage (none or the job jar) and why, for the log. */
  public record Decision(List<String> filesToStage, String reason) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> IDS = new ConcurrentHashMap<>();

  private JobJarStaging() {}

  /**
   * The build id of {@code jar}: the SHA-256 of its bytes, computed once per file version in this
   * JVM (the key holds its size and modification time).
   */
  public static String buildId(Path jar) {
    try {
      String key = jar.toAbsolutePath() + "|" + Files.size(jar) + "|" + Files.getLastModifiedTime(jar).toMillis();
      return IDS.computeIfAbsent(key, k -> sha256(jar));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the job jar " + jar + ": " + e.getMessage(), e);
    }
  }

  private static String sha256(Path jar) {
    try (InputStream in = Files.newInputStream(jar)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the job jar " + jar + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Decides for a job on the session cluster at {@code master} (host:port of its REST endpoint):
   * asks the cluster which build it carries and compares it with {@code jobJar}'s.
   *
   * @throws IllegalStateException when nothing answers at {@code master}, or when the cluster
   *     carries another build — naming both builds and what to do
   */
  public static Decision decide(String master, Path jobJar) {
    Map<String, String> conf = clusterConfig(master);
    String ours = buildId(jobJar);
    String theirs = conf.get(BUILD_KEY);
    if (ours.equals(theirs)) {
      return new Decision(List.of(noClassesJar().toString()), "the cluster at " + master + " carries this build (" + shortId(ours)
          + "): jobs run on its classes, nothing is staged");
    }
    String restart = "restart it with this build (`spro cluster stop`, then `spro cluster start`), or install this build's job jar "
        + jobJar + " in its lib/ and set `" + BUILD_KEY + ": " + ours + "` in its config.yaml (README, \"A Flink cluster of "
        + "your own\")";
    if (theirs != null) {
      String where = conf.containsKey(JAR_KEY) ? " (" + conf.get(JAR_KEY) + ")" : "";
      throw new IllegalStateException("the Flink cluster at " + master + " carries SPRO build " + shortId(theirs) + where
          + " and this command is build " + shortId(ours) + ": " + restart);
    }
    Optional<String> installed = sproJarOnClasspath(master);
    if (installed.isPresent()) {
      throw new IllegalStateException("the Flink cluster at " + master + " has " + installed.get() + " on its classpath but "
          + "does not name its build (" + BUILD_KEY + " is not in its configuration): if that jar is this build's, add `"
          + BUILD_KEY + ": " + ours + "` to its config.yaml and restart it; otherwise " + restart);
    }
    return new Decision(List.of(jobJar.toString()), "the cluster at " + master
        + " has no SPRO classes of its own: every job brings the job jar (" + shortId(ours) + ")");
  }

  /**
   * A jar with a manifest and nothing else, staged in place of the job jar: Beam stages the whole
   * classpath of the submitting JVM when a remote job names no file at all (for the launcher, its
   * 415 MB jar), so "nothing" has to be a file. Written once per machine to java.io.tmpdir.
   */
  static Path noClassesJar() {
    Path jar = Path.of(System.getProperty("java.io.tmpdir"), "spro-job-without-classes.jar");
    if (Files.isRegularFile(jar)) {
      return jar;
    }
    try {
      Path tmp = Files.createTempFile(jar.getParent(), "spro-job-without-classes", ".tmp");
      Manifest m = new Manifest();
      m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(tmp), m)) {
        out.flush();
      }
      Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return jar;
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + jar + ": " + e.getMessage(), e);
    }
  }

  /** A jar of this project on the JobManager's classpath ({@code GET /jobmanager/environment}), if any. */
  static Optional<String> sproJarOnClasspath(String master) {
    JsonNode env = get(master, "/jobmanager/environment");
    for (JsonNode entry : env.path("classpath")) {
      String name = Path.of(entry.asText()).getFileName() == null ? "" : Path.of(entry.asText()).getFileName().toString();
      if (name.matches("spro-.*\\.jar")) {
        return Optional.of(entry.asText());
      }
    }
    return Optional.empty();
  }

  static String shortId(String id) {
    return id.length() > 12 ? id.substring(0, 12) : id;
  }

  /** The JobManager's configuration as the REST API lists it ({@code GET /jobmanager/config}). */
  static Map<String, String> clusterConfig(String master) {
    Map<String, String> conf = new LinkedHashMap<>();
    for (JsonNode e : get(master, "/jobmanager/config")) {
      conf.put(e.path("key").asText(), e.path("value").asText());
    }
    return conf;
  }

  private static JsonNode get(String master, String path) {
    URI uri = URI.create("http://" + master + path);
    HttpResponse<String> r;
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new IllegalStateException("no Flink cluster answers at " + master + " (flink.master; GET " + uri
          + ": connection refused): start one with `spro cluster start --port " + master.substring(master.lastIndexOf(':') + 1)
          + "`, or name the host:port of a running cluster's REST endpoint", e);
    } catch (IOException e) {
      throw new IllegalStateException("the Flink cluster at " + master + " (flink.master) does not answer GET " + uri + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking " + uri, e);
    }
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + uri + " answered " + r.statusCode() + ": is " + master
          + " (flink.master) the REST endpoint of a Flink 1.19 cluster?");
    }
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new IllegalStateException("GET " + uri + " did not answer JSON: " + e.getMessage(), e);
    }
  }
}
