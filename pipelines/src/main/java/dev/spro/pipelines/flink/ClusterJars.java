package dev.spro.pipelines.flink;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where the two halves of a cluster deployment are, as the build leaves them next to the
 * command's jar in {@code runners/target}: {@code cluster-lib/} (the session cluster's classpath:
 * Flink, Beam, DJL and the other libraries) and {@code spro-runners-*-job.jar} (the thin job jar
 * staged with every job: this project's classes only). {@code -Dspro.clusterLib} / {@code
 * SPRO_CLUSTER_LIB} and {@code -Dspro.jobJar} / {@code SPRO_JOB_JAR} override them.
 */
public final class ClusterJars {
  private ClusterJars() {}

  public static Path clusterLib() {
    return override("spro.clusterLib", "SPRO_CLUSTER_LIB").orElseGet(() -> target().resolve("cluster-lib"));
  }

  public static Path jobJar() {
    Optional<Path> o = override("spro.jobJar", "SPRO_JOB_JAR");
    if (o.isPresent()) {
      return o.get();
    }
    Path target = target();
    try (Stream<Path> s = Files.list(target)) {
      return s.filter(p -> p.getFileName().toString().matches("spro-runners-.*-job\\.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no job jar (spro-runners-*-job.jar) in " + target
              + ": build it with `mvn -pl runners -am package -DskipTests`"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + target + ": " + e.getMessage(), e);
    }
  }

  private static Optional<Path> override(String property, String env) {
    String v = System.getProperty(property, System.getenv(env));
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(Path.of(v).toAbsolutePath());
  }

  /**
   * {@code runners/target}: the directory of the running jar when it is the command's shaded jar,
   * else (classes directories, in the build's own tests) found above this class's location.
   */
  static Path target() {
    Path here;
    try {
      here = Path.of(ClusterJars.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    if (Files.isRegularFile(here) && here.getFileName().toString().matches("spro-runners-.*-all\\.jar")) {
      return here.getParent();
    }
    for (Path d = here; d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("runners/target"))) {
        return d.resolve("runners/target");
      }
    }
    throw new IllegalStateException("cannot tell where the cluster jars are from " + here
        + "; set -Dspro.clusterLib and -Dspro.jobJar");
  }
}
