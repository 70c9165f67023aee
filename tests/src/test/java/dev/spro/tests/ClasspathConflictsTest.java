package dev.spro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The full runtime classpath (everything the shaded jar holds) has one version of each library
 * that Beam, Hadoop, Flink and DJL disagree on, and exactly one slf4j binding.
 */
class ClasspathConflictsTest {
  static List<String> jars() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(p -> new File(p).getName())
        .filter(n -> n.endsWith(".jar"))
        .toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"gson", "commons-compress", "commons-codec", "slf4j-api", "guava",
      "jackson-databind", "avro", "parquet-hadoop", "commons-lang3"})
  void oneVersionOf(String artifact) {
    List<String> found =
        jars().stream().filter(n -> n.matches(artifact + "-\\d.*\\.jar")).collect(Collectors.toList());
    assertEquals(1, found.size(), artifact + " on the classpath: " + found);
  }

  @Test
  void oneSlf4jBinding() {
    List<String> providers =
        ServiceLoader.load(SLF4JServiceProvider.class).stream()
            .map(p -> p.type().getName())
            .toList();
    assertEquals(List.of("org.slf4j.simple.SimpleServiceProvider"), providers);
    List<String> others =
        jars().stream()
            .filter(n -> n.matches("(log4j-slf4j.*|logback-classic.*|slf4j-reload4j.*|slf4j-log4j12.*|reload4j.*)"))
            .toList();
    assertEquals(List.of(), others);
  }
}
