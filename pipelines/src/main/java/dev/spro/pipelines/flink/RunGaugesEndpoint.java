package dev.spro.pipelines.flink;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/**
 * The run's own gauges ({@link RunGauges}) served by the driver, for a run on a session cluster:
 * there the driver is not one of the cluster's processes, whose endpoints ({@code spro cluster
 * start --prometheus-port}) serve Flink's and Beam's metrics of the jobs. On the embedded cluster
 * {@link PrometheusReporter} serves both from one endpoint instead.
 */
public final class RunGaugesEndpoint implements AutoCloseable {
  private final HTTPServer server;

  private RunGaugesEndpoint(HTTPServer server) {
    this.server = server;
  }

  /** Serves {@code http://host:port/metrics} until closed; binds {@code host} only. */
  public static RunGaugesEndpoint start(String host, int port) {
    CollectorRegistry registry = new CollectorRegistry(true);
    registry.register(RunGauges.INSTANCE);
    try {
      return new RunGaugesEndpoint(new HTTPServer(new InetSocketAddress(host, port), registry, true));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve the run's metrics on " + host + ":" + port
          + " (in use? set flink.prometheusPort to another port): " + e.getMessage(), e);
    }
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
