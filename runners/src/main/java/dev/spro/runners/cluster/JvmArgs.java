package dev.spro.runners.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The {@code --add-opens}/{@code --add-exports} flags Flink needs on Java 17, kept in one file,
 * {@code runners/src/main/resources/spro-jvm.args}: the launcher and the Maven test JVMs pass it as
 * a java argument file ({@code @spro-jvm.args}), and the JVMs this project starts (cluster
 * processes, test child runs) read it from the classpath here.
 */
public final class JvmArgs {
  /** The resource's name on the classpath. */
  public static final String RESOURCE = "/spro-jvm.args";

  private JvmArgs() {}

  public static List<String> opens() {
    try (InputStream in = JvmArgs.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::trim)
          .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
