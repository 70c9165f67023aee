package dev.spro.models.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Run in a fresh JVM by {@link OfflineEngineTest}: starts the engine through {@link DjlRuntime}
 * with every network attempt recorded and refused, does a forward and backward pass, and prints
 * {@code key=value} lines for the test to check.
 *
 * <p>Args: cacheDir offline(true|false).
 */
public final class OfflineEngineProbe {
  /** Records every URI anything in this JVM tries to reach, and sends it to a closed port. */
  static final class RecordingProxySelector extends ProxySelector {
    final List<URI> attempts = new CopyOnWriteArrayList<>();

    @Override
    public List<Proxy> select(URI uri) {
      attempts.add(uri);
      // Port 9 on loopback (discard) is closed here: the connection is refused at once.
      return List.of(new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", 9)));
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
  }

  public static void main(String[] args) throws Exception {
    RecordingProxySelector proxy = new RecordingProxySelector();
    ProxySelector.setDefault(proxy);
    Path cacheDir = Path.of(args[0]);
    boolean offline = Boolean.parseBoolean(args[1]);
    int code = 0;
    try {
      Engine engine =
          DjlRuntime.init(DjlRuntime.settings().offline(offline).cacheDir(cacheDir).intraOpThreads(1).seed(7));
      System.out.println("engine=" + engine.getEngineName() + " " + engine.getVersion());
      try (NDManager manager = engine.newBaseManager()) {
        NDArray x = manager.create(new float[] {1, 2, 3, 4, 5, 6}, new ai.djl.ndarray.types.Shape(2, 3));
        NDArray w = manager.create(new float[] {0.5f, -1f, 2f}, new ai.djl.ndarray.types.Shape(3, 1));
        w.setRequiresGradient(true);
        try (GradientCollector collector = engine.newGradientCollector()) {
          NDArray y = x.matMul(w).square().sum(); // sum_i (x_i . w)^2
          collector.backward(y);
          // d/dw = 2 * x^T (x w)
          NDArray expected = x.transpose().matMul(x.matMul(w)).mul(manager.create(2f));
          System.out.println("loss=" + y.getFloat());
          System.out.println("grad_ok=" + w.getGradient().allClose(expected, 1e-6, 1e-6, false));
        }
      }
    } catch (Throwable t) {
      System.out.println("error=" + t.getClass().getSimpleName() + ": " + t.getMessage());
      code = 3;
    }
    System.out.println("attempts=" + proxy.attempts.size() + " " + proxy.attempts);
    for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
      if (line.endsWith("/libtorch_cpu.so")) {
        System.out.println("libtorch=" + line.substring(line.indexOf('/')));
        break;
      }
    }
    System.out.flush();
    System.exit(code);
  }
}
