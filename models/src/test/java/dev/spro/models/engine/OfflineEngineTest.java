package dev.spro.models.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine loads offline from the Maven Central jars: in a fresh JVM with an empty cache
 * directory and every network attempt recorded and refused, it starts, runs forward and
 * backward, and the libtorch it maps is byte for byte the one inside the pytorch-native-cpu jar.
 */
class OfflineEngineTest {
  static final String NATIVE_ENTRY = "pytorch/cpu/linux-x86_64/libtorch_cpu.so";

  record ProbeResult(int exitCode, Map<String, String> values, String output) {}

  static ProbeResult runProbe(Path cacheDir, boolean offline, String classpath) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    // Belt and braces: an unreachable HTTP(S) proxy too, in case anything ignores ProxySelector.
    cmd.addAll(List.of("-Dhttp.proxyHost=127.0.0.1", "-Dhttp.proxyPort=9",
        "-Dhttps.proxyHost=127.0.0.1", "-Dhttps.proxyPort=9", "-Dhttp.nonProxyHosts=",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info"));
    cmd.addAll(List.of("-cp", classpath, OfflineEngineProbe.class.getName(),
        cacheDir.toString(), Boolean.toString(offline)));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("OPT_OUT_TRACKING"); // DjlRuntime must set it itself
    pb.environment().remove("DJL_CACHE_DIR");
    pb.environment().remove("ENGINE_CACHE_DIR");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "probe did not finish");
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0 && line.substring(0, eq).matches("[a-z_]+")) {
        values.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return new ProbeResult(p.exitValue(), values, out);
  }

  static String sha256(InputStream in) throws IOException {
    try (DigestInputStream d = new DigestInputStream(in, sha256())) {
      d.transferTo(OutputStreamSink.INSTANCE);
      return HexFormat.of().formatHex(d.getMessageDigest().digest());
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Discards bytes: we only want the digest. */
  static final class OutputStreamSink extends java.io.OutputStream {
    static final OutputStreamSink INSTANCE = new OutputStreamSink();

    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  }

  @Test
  void engineStartsOfflineFromTheJarAndTrains(@TempDir Path cacheDir) throws Exception {
    ProbeResult r = runProbe(cacheDir, true, System.getProperty("java.class.path"));
    assertEquals(0, r.exitCode(), r.output());
    assertEquals("0 []", r.values().get("attempts"), "the engine tried to reach the network:\n" + r.output());
    assertEquals("true", r.values().get("grad_ok"), r.output());
    assertEquals("PyTorch 2.7.1", r.values().get("engine"), r.output());

    String libtorch = r.values().get("libtorch");
    assertNotNull(libtorch, "libtorch_cpu.so was not mapped:\n" + r.output());
    assertTrue(libtorch.startsWith(cacheDir.toString()),
        "libtorch must be extracted into the fresh cache dir, was " + libtorch);
    try (InputStream jarEntry = getClass().getClassLoader().getResourceAsStream(NATIVE_ENTRY);
        InputStream loaded = Files.newInputStream(Path.of(libtorch))) {
      assertNotNull(jarEntry, NATIVE_ENTRY + " is not on the classpath");
      assertEquals(sha256(jarEntry), sha256(loaded), "loaded libtorch differs from the jar's");
    }
  }

  /** The probe can fail: without the native jar and with offline off, DJL reaches out and we see it. */
  @Test
  void downloadAttemptsAreDetected(@TempDir Path cacheDir) throws Exception {
    String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !e.contains("pytorch-native-cpu"))
        .collect(Collectors.joining(File.pathSeparator));
    ProbeResult r = runProbe(cacheDir, false, cp);
    assertNotEquals(0, r.exitCode(), r.output());
    assertNotEquals("0 []", r.values().get("attempts"), r.output());

    ProbeResult offline = runProbe(cacheDir, true, cp);
    assertNotEquals(0, offline.exitCode(), "offline without the native jar must fail:\n" + offline.output());
    assertEquals("0 []", offline.values().get("attempts"), offline.output());
  }
}
