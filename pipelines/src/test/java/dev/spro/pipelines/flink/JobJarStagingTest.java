package dev.spro.pipelines.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a run on a session cluster stages, without a cluster: nothing answering is a clear error
 * before any work, a build is named by its bytes, and "nothing" is a jar without a class. The
 * decisions against real clusters are in the tests module's {@code FlinkClusterTest}.
 */
class JobJarStagingTest {
  @TempDir Path tmp;

  @Test
  void aMasterWhereNothingListensSaysHowToStartACluster() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path jar = Files.writeString(tmp.resolve("job.jar"), "bytes");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> JobJarStaging.decide("localhost:" + port, jar));
    assertTrue(e.getMessage().contains("no Flink cluster answers at localhost:" + port)
        && e.getMessage().contains("spro cluster start --port " + port), e.getMessage());
  }

  @Test
  void aBuildIsNamedByItsBytes() throws Exception {
    Path a = Files.writeString(tmp.resolve("a.jar"), "one build");
    Path b = Files.writeString(tmp.resolve("b.jar"), "one build");
    Path c = Files.writeString(tmp.resolve("c.jar"), "another build");
    assertEquals(JobJarStaging.buildId(a), JobJarStaging.buildId(b));
    assertFalse(JobJarStaging.buildId(a).equals(JobJarStaging.buildId(c)));
    // what `printf 'one build' | sha256sum` prints, the id an administrator writes into config.yaml
    assertEquals("35b5c9836731bd31e75d30f3186350b17b62adf380da9d852d822b741f05922a", JobJarStaging.buildId(a));
  }

  @Test
  void nothingIsAJarWithoutAClass() throws Exception {
    try (JarFile jar = new JarFile(JobJarStaging.noClassesJar().toFile())) {
      assertTrue(jar.getManifest() != null);
      assertFalse(jar.stream().anyMatch(e -> e.getName().endsWith(".class")));
    }
  }
}
