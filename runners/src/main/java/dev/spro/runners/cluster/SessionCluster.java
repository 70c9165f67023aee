package dev.spro.runners.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.pipelines.flink.JobJarStaging;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A standalone Flink session cluster on this machine, made of the jars Maven put in the cluster
 * library ({@code runners/target/cluster-lib}; no Flink distribution needed): a JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code TaskManagerRunner}), each
 * its own JVM, started with the memory flags Flink's own process utilities compute from the
 * config — what Flink's {@code bin/*.sh} scripts get from {@code BashJavaUtils}. Everything lives
 * in one directory: {@code conf/config.yaml}, {@code lib/} (a copy of the job jar),
 * {@code log/<process>.log}, {@code pids/<process>.pid}, {@code tmp/}.
 *
 * <p>The cluster's classpath holds Flink, DJL and the other libraries and this project's job jar
 * (its classes and Beam), and the configuration names that jar's build ({@link JobJarStaging}).
 * A job of the same build stages nothing: every iteration runs on classes the TaskManagers loaded
 * and compiled once, and the models they keep resident survive from one iteration's job to the
 * next; a command of another build is refused before it submits anything. Started with {@code
 * projectJar} false, the cluster has no SPRO classes and every job brings the job jar in a class
 * loader of its own. DJL is parent-first either way: PyTorch's native library can be loaded by one
 * class loader per JVM only.
 */
public final class SessionCluster {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String JOB_MANAGER = "jobmanager";
  private static final String JM_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
  private static final String TM_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
  /** What Flink's own config.yaml passes to every JVM on Java 17 (env.java.opts.all): the project's one list. */
  private static final List<String> JAVA17_OPTS = JvmArgs.opens();

  /**
   * How to start it.
   *
   * @param gpus one TaskManager per listed GPU, started with {@code CUDA_VISIBLE_DEVICES} set to
   *     it (then {@code taskManagers} is ignored); empty: {@code taskManagers} CPU TaskManagers
   * @param projectJar this project's job jar on the cluster's classpath, so that jobs of this
   *     build stage nothing; false: every job brings its own (a cluster shared by several builds)
   * @param prometheusPort the JobManager's Prometheus endpoint ({@code PrometheusReporter}, on
   *     {@code host}); TaskManager i serves on the port {@code 1 + i} above it; 0: none
   */
  public record Settings(int taskManagers, int slots, String taskManagerMemory, String jobManagerMemory, String host,
      int restPort, List<Integer> gpus, boolean projectJar, int prometheusPort) {
    public Settings {
      if (taskManagers < 1 || slots < 1) {
        throw new IllegalArgumentException("a cluster needs at least one TaskManager with at least one slot");
      }
      gpus = List.copyOf(gpus);
      if (prometheusPort < 0 || prometheusPort + (gpus.isEmpty() ? taskManagers : gpus.size()) > 65535) {
        throw new IllegalArgumentException("--prometheus-port " + prometheusPort + ": a port in [1, 65535] with room for one "
            + "port per TaskManager above it, or 0: none");
      }
      if (prometheusPort > 0 && !projectJar) {
        throw new IllegalArgumentException("--prometheus-port needs the project jar on the cluster's classpath (its "
            + "reporter is in it): leave out --no-project-jar");
      }
    }

    public static Settings defaults() {
      return new Settings(1, 2, "3g", "1600m", "localhost", 8081, List.of(), true, 0);
    }

    /** The Prometheus endpoint of {@code process} ({@link #JOB_MANAGER} or taskmanager-i); 0: none. */
    public int prometheusPort(String process) {
      if (prometheusPort == 0) {
        return 0;
      }
      return process.equals(JOB_MANAGER) ? prometheusPort
          : prometheusPort + 1 + Integer.parseInt(process.substring(process.lastIndexOf('-') + 1));
    }

    int workers() {
      return gpus.isEmpty() ? taskManagers : gpus.size();
    }
  }

  private final Path dir;

  public SessionCluster(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  public Path dir() {
    return dir;
  }

  public Path conf() {
    return dir.resolve("conf");
  }

  public Path log(String process) {
    return dir.resolve("log").resolve(process + ".log");
  }

  private Path pidFile(String process) {
    return dir.resolve("pids").resolve(process + ".pid");
  }

  /** The cluster's configuration: sizes, loopback addresses, a restart strategy for batch jobs, DJL parent-first. */
  static Map<String, String> config(Settings s, Path dir, Path jobJar) {
    Map<String, String> c = new LinkedHashMap<>();
    if (jobJar != null) {
      // the build on every process's classpath, which `spro train` compares with its own before
      // each job: the same build runs on it without staging anything (JobJarStaging)
      c.put(JobJarStaging.BUILD_KEY, JobJarStaging.buildId(jobJar));
      c.put(JobJarStaging.JAR_KEY, jobJar.toString());
    }
    c.put("jobmanager.rpc.address", s.host());
    c.put("jobmanager.bind-host", s.host());
    c.put("jobmanager.memory.process.size", s.jobManagerMemory());
    c.put("jobmanager.execution.failover-strategy", "region");
    c.put("taskmanager.host", s.host());
    c.put("taskmanager.bind-host", s.host());
    c.put("taskmanager.numberOfTaskSlots", Integer.toString(s.slots()));
    c.put("taskmanager.memory.process.size", s.taskManagerMemory());
    // PyTorch allocates natively; what DJL copies through direct buffers counts as task off-heap
    c.put("taskmanager.memory.task.off-heap.size", "256m");
    // managed memory only serves Flink's batch sorts of small records here; the models live outside it
    c.put("taskmanager.memory.managed.fraction", "0.1");
    // Beam's batch translation chains many shuffles per task: each needs its network buffers
    c.put("taskmanager.memory.network.min", "256m");
    c.put("taskmanager.memory.network.max", "512m");
    c.put("parallelism.default", Integer.toString(s.slots() * s.workers()));
    c.put("rest.address", s.host());
    c.put("rest.bind-address", s.host());
    c.put("rest.port", Integer.toString(s.restPort()));
    // `spro train --flink-master` submits jobs itself; a jar uploaded through /jars would run its
    // main() in the JobManager, so the web UI neither takes jars nor cancels jobs
    c.put("web.submit.enable", "false");
    c.put("web.cancel.enable", "false");
    c.put("io.tmp.dirs", dir.resolve("tmp").toString());
    c.put("web.tmpdir", dir.resolve("tmp").toString());
    c.put("web.upload.dir", dir.resolve("tmp").resolve("web-upload").toString());
    // a batch job has no checkpoints, so Flink's default would be no restart at all
    c.put("restart-strategy.type", "fixed-delay");
    c.put("restart-strategy.fixed-delay.attempts", "3");
    c.put("restart-strategy.fixed-delay.delay", "2 s");
    // notice a dead TaskManager in seconds, not the default 50
    c.put("heartbeat.interval", "2000");
    c.put("heartbeat.timeout", "10000");
    // the engine's classes must come from the cluster's class loader, never a job's
    c.put("classloader.parent-first-patterns.additional", "ai.djl.;com.sun.jna.");
    c.put("jobstore.expiration-time", "86400");
    if (!s.gpus().isEmpty()) {
      // each TaskManager has its own GPU: a job's shards on different TaskManagers, not the first
      // one's slots (Flink's default). Without GPUs the TaskManagers share this machine's cores and
      // the default is faster: one engine's thread pool, not one per JVM (bench/results/overhead.md)
      c.put("cluster.evenly-spread-out-slots", "true");
    }
    if (s.prometheusPort() > 0) {
      // the project's reporter (loopback like every listener here); each process gets its port as a dynamic property
      c.put("metrics.reporters", "spro");
      c.put("metrics.reporter.spro.factory.class", "dev.spro.pipelines.flink.PrometheusReporterFactory");
      c.put("metrics.reporter.spro.host", s.host());
      c.put("metrics.reporter.spro.port", Integer.toString(s.prometheusPort()));
    }
    return c;
  }

  /**
   * Starts the JobManager and the TaskManagers from the jars in {@code lib}, and waits until every
   * TaskManager has registered. Refuses to start over a running cluster in the same directory.
   */
  public void start(Settings s, Path lib, Path jobJar, PrintStream out, Duration timeout)
      throws IOException, InterruptedException {
    if (!Files.isDirectory(lib) || !Files.exists(lib.resolve(flinkRuntimeJar(lib)))) {
      throw new IllegalStateException("no Flink jars in " + lib + ": build them with `mvn -pl runners -am package -DskipTests`");
    }
    List<String> running = running();
    if (!running.isEmpty()) {
      throw new IllegalStateException("a cluster is already running in " + dir + " (" + String.join(", ", running)
          + "); stop it first with `spro cluster stop`");
    }
    for (String sub : List.of("conf", "lib", "log", "pids", "tmp")) {
      Files.createDirectories(dir.resolve(sub));
    }
    StringBuilder yaml = new StringBuilder("# written by `spro cluster start`; Flink reads it from here\n");
    // a copy of the job jar, so that a rebuild while the cluster runs changes neither its classes nor its id
    Path jar = null;
    if (s.projectJar()) {
      jar = dir.resolve("lib").resolve(jobJar.getFileName());
      Files.copy(jobJar, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
    }
    config(s, dir, jar).forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
    Files.writeString(conf().resolve("config.yaml"), yaml);
    Configuration conf = GlobalConfiguration.loadConfiguration(conf().toString());

    long t0 = System.nanoTime();
    JobManagerProcessSpec jm = JobManagerProcessUtils.processSpecFromConfigWithNewOptionToInterpretLegacyHeap(
        conf, JobManagerOptions.JVM_HEAP_MEMORY);
    launch(JOB_MANAGER, JM_MAIN, lib, jar, JobManagerProcessUtils.generateJvmParametersStr(jm, conf),
        JobManagerProcessUtils.generateDynamicConfigsStr(jm), Map.of(), out);
    TaskExecutorProcessSpec tm = TaskExecutorProcessUtils.processSpecFromConfig(
        TaskExecutorProcessUtils.getConfigurationMapLegacyTaskManagerHeapSizeToConfigOption(conf, TaskManagerOptions.TOTAL_FLINK_MEMORY));
    for (int i = 0; i < s.workers(); i++) {
      Map<String, String> env = s.gpus().isEmpty() ? Map.of() : Map.of("CUDA_VISIBLE_DEVICES", Integer.toString(s.gpus().get(i)));
      String name = "taskmanager-" + i;
      launch(name, TM_MAIN, lib, jar, ProcessMemoryUtils.generateJvmParametersStr(tm),
          TaskExecutorProcessUtils.generateDynamicConfigsStr(tm) + " -D taskmanager.resource-id=" + name
              + (s.prometheusPort() > 0 ? " -D metrics.reporter.spro.port=" + s.prometheusPort(name) : ""), env, out);
    }
    awaitTaskManagers(s, timeout);
    out.printf(Locale.ROOT, "cluster up in %.1f s: 1 JobManager, %d TaskManager(s) x %d slots; web UI %s%n",
        (System.nanoTime() - t0) / 1e9, s.workers(), s.slots(), webUi(s));
    if (s.prometheusPort() > 0) {
      List<String> targets = new ArrayList<>();
      for (String p : processNames()) {
        targets.add(s.host() + ":" + s.prometheusPort(p));
      }
      out.println("Prometheus metrics: " + String.join(", ", targets) + " (/metrics)");
    }
  }

  public static String webUi(Settings s) {
    return "http://" + s.host() + ":" + s.restPort();
  }

  private static String flinkRuntimeJar(Path lib) throws IOException {
    try (Stream<Path> files = Files.list(lib)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("flink-runtime-") && !n.contains("web"))
          .findFirst().orElse("flink-runtime.jar");
    }
  }

  private void launch(String name, String main, Path lib, Path jobJar, String jvmParams, String dynamic, Map<String, String> env,
      PrintStream out) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(split(jvmParams));
    cmd.addAll(JAVA17_OPTS);
    // serial GC: the engine's training loops stall for seconds under G1 on few cores
    cmd.addAll(List.of("-XX:+UseSerialGC", "-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true",
        "-Dlog.file=" + log(name), "-Dorg.slf4j.simpleLogger.logFile=" + log(name),
        "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dspro.cluster.process=" + name,
        "-cp", classpath(lib, jobJar), main, "--configDir", conf().toString()));
    cmd.addAll(split(dynamic));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true).redirectOutput(dir.resolve("log").resolve(name + ".out").toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    Files.writeString(pidFile(name), Long.toString(p.pid()));
    out.printf(Locale.ROOT, "started %s (pid %d)%s%n", name, p.pid(),
        env.isEmpty() ? "" : " with " + env.entrySet().iterator().next());
  }

  /**
   * The cluster's libraries, this project's job jar (its classes and Beam; null: none, jobs bring
   * it), then SPRO_CLASSPATH (a user's verifiers must be on every TaskManager too).
   */
  static String classpath(Path lib, Path jobJar) {
    String extra = System.getenv("SPRO_CLASSPATH");
    return lib.toAbsolutePath() + File.separator + "*" + (jobJar == null ? "" : File.pathSeparator + jobJar.toAbsolutePath())
        + (extra == null || extra.isBlank() ? "" : File.pathSeparator + extra);
  }

  private static List<String> split(String params) {
    return Arrays.stream(params.trim().split("\\s+")).filter(t -> !t.isEmpty()).toList();
  }

  private void awaitTaskManagers(Settings s, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (String process : processNames()) {
        if (pid(process).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive).isEmpty()) {
          throw new IllegalStateException(process + " exited while the cluster started; see " + log(process) + " and "
              + dir.resolve("log").resolve(process + ".out"));
        }
      }
      Optional<JsonNode> overview = rest(s.host(), s.restPort(), "/overview");
      if (overview.isPresent() && overview.get().path("taskmanagers").asInt() >= s.workers()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the cluster did not come up in " + timeout.toSeconds() + " s; see the logs in "
            + dir.resolve("log"));
      }
      Thread.sleep(250);
    }
  }

  /** GET {@code path} of the REST API; empty when nothing answers. */
  public static Optional<JsonNode> rest(String host, int port, String path) {
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
          .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(JSON.readTree(r.body())) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The processes this directory has pid files for. */
  public List<String> processNames() throws IOException {
    Path pids = dir.resolve("pids");
    if (!Files.isDirectory(pids)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(pids)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pid"))
          .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
    }
  }

  public Optional<Long> pid(String process) throws IOException {
    Path f = pidFile(process);
    return Files.exists(f) ? Optional.of(Long.parseLong(Files.readString(f).trim())) : Optional.empty();
  }

  /** The live process behind a pid file — only if it is this cluster's (a pid may have been reused). */
  private Optional<ProcessHandle> handle(String process) throws IOException {
    return pid(process).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive)
        .filter(h -> h.info().arguments().map(a -> Arrays.asList(a).contains("-Dspro.cluster.process=" + process)
            && Arrays.asList(a).contains(conf().toString())).orElse(true));
  }

  /** The names of this cluster's processes that are alive. */
  public List<String> running() throws IOException {
    List<String> alive = new ArrayList<>();
    for (String p : processNames()) {
      if (handle(p).isPresent()) {
        alive.add(p);
      }
    }
    return alive;
  }

  /** One line per process, then what the JobManager's REST API says. */
  public String status() throws IOException {
    StringBuilder sb = new StringBuilder("cluster " + dir + "\n");
    List<String> names = processNames();
    if (names.isEmpty()) {
      return sb.append("  not started here\n").toString();
    }
    for (String p : names) {
      Optional<ProcessHandle> h = handle(p);
      sb.append(String.format(Locale.ROOT, "  %-16s pid %-8s %s%n", p, pid(p).map(String::valueOf).orElse("?"),
          h.isPresent() ? "running" : "not running"));
    }
    Map<String, String> conf = readConfig();
    String host = conf.getOrDefault("rest.address", "localhost");
    int port = Integer.parseInt(conf.getOrDefault("rest.port", "8081"));
    Optional<JsonNode> o = rest(host, port, "/overview");
    if (o.isEmpty()) {
      sb.append("  REST API at http://").append(host).append(':').append(port).append(" does not answer\n");
    } else {
      JsonNode n = o.get();
      sb.append(String.format(Locale.ROOT, "  web UI http://%s:%d  Flink %s: %d TaskManager(s), %d/%d slots free; jobs: %d running, "
              + "%d finished, %d failed, %d cancelled%n", host, port, n.path("flink-version").asText(), n.path("taskmanagers").asInt(),
          n.path("slots-available").asInt(), n.path("slots-total").asInt(), n.path("jobs-running").asInt(),
          n.path("jobs-finished").asInt(), n.path("jobs-failed").asInt(), n.path("jobs-cancelled").asInt()));
    }
    return sb.toString();
  }

  private Map<String, String> readConfig() throws IOException {
    Map<String, String> c = new LinkedHashMap<>();
    Path f = conf().resolve("config.yaml");
    if (Files.exists(f)) {
      for (String line : Files.readAllLines(f)) {
        int i = line.indexOf(": ");
        if (!line.startsWith("#") && i > 0) {
          c.put(line.substring(0, i).trim(), line.substring(i + 2).trim());
        }
      }
    }
    return c;
  }

  /**
   * Stops every process of the cluster: SIGTERM, then SIGKILL for any still alive after {@code
   * grace}; removes the pid files. Returns the names of the processes it stopped.
   */
  public List<String> stop(Duration grace) throws IOException, InterruptedException {
    List<String> stopped = new ArrayList<>();
    List<ProcessHandle> handles = new ArrayList<>();
    // TaskManagers first, so that the JobManager does not try to restart their tasks elsewhere
    List<String> names = new ArrayList<>(processNames());
    names.sort((a, b) -> Boolean.compare(a.equals(JOB_MANAGER), b.equals(JOB_MANAGER)));
    for (String p : names) {
      Optional<ProcessHandle> h = handle(p);
      if (h.isPresent()) {
        h.get().destroy();
        handles.add(h.get());
        stopped.add(p);
      }
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (ProcessHandle h : handles) {
      while (h.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      if (h.isAlive()) {
        h.destroyForcibly();
      }
      h.onExit().join();
    }
    for (String p : names) {
      Files.deleteIfExists(pidFile(p));
    }
    return stopped;
  }
}
