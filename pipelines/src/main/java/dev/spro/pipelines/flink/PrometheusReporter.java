package dev.spro.pipelines.flink;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.metrics.LogicalScopeProvider;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;

/**
 * Flink's metrics — its own, and Beam's counters and distributions of every stage — and the run's
 * {@link RunGauges}, served to Prometheus at {@code http://HOST:PORT/metrics}. Names and labels
 * follow Flink's Prometheus reporter ({@code flink_<logical scope>_<name>}, the scope's variables
 * as labels: {@code job_name}, {@code operator_name}, {@code subtask_index}...). Unlike that
 * reporter, which listens on every interface, this one binds to {@code host} only (loopback by
 * default), as every other listener of the run does.
 *
 * <p>Config ({@code metrics.reporter.<name>.*}): {@code host}, {@code port}.
 */
public final class PrometheusReporter implements MetricReporter {
  private static final Pattern NOT_ALLOWED = Pattern.compile("[^a-zA-Z0-9:_]");
  /** Prometheus's metric and label names allow [a-zA-Z0-9:_]; every other character becomes {@code _}. */
  static final CharacterFilter FILTER = s -> NOT_ALLOWED.matcher(s).replaceAll("_");
  private static final double[] QUANTILES = {0.5, 0.95, 0.99};

  private final CollectorRegistry registry = new CollectorRegistry(true);
  private final Map<Metric, Registered> metrics = new ConcurrentHashMap<>();
  private HTTPServer server;

  /** A metric as Prometheus names it. */
  private record Registered(String name, String help, List<String> labelNames, List<String> labelValues) {}

  @Override
  public void open(MetricConfig config) {
    String host = setting(config, "host", "localhost");
    int port = Integer.parseInt(setting(config, "port", "9249"));
    try {
      server = new HTTPServer(new InetSocketAddress(host, port), registry, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve Prometheus metrics on " + host + ":" + port + " (in use? set "
          + "flink.prometheusPort to another port): " + e.getMessage(), e);
    }
    registry.register(new FlinkCollector());
    registry.register(RunGauges.INSTANCE);
  }

  /**
   * A reporter setting as text. Flink 1.19 reads config.yaml as typed YAML, so a port written there
   * reaches the reporter as an Integer, which {@code MetricConfig.getInteger} — a {@code
   * Properties.getProperty}, strings only — does not see (the JobManager of a session cluster then
   * served on the default port instead).
   */
  static String setting(MetricConfig config, String key, String fallback) {
    Object v = config.get(key);
    return v == null ? fallback : v.toString();
  }

  /** The port the endpoint listens on. */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  public void notifyOfAddedMetric(Metric metric, String metricName, MetricGroup group) {
    String scope = LogicalScopeProvider.castFrom(group).getLogicalScope(FILTER, '_');
    List<String> names = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (Map.Entry<String, String> v : group.getAllVariables().entrySet()) {
      String key = v.getKey();
      names.add(FILTER.filterCharacters(key.startsWith("<") && key.endsWith(">") ? key.substring(1, key.length() - 1) : key));
      values.add(v.getValue());
    }
    metrics.put(metric, new Registered("flink_" + scope + "_" + FILTER.filterCharacters(metricName),
        metricName + " (scope: " + scope + ")", names, values));
  }

  @Override
  public void notifyOfRemovedMetric(Metric metric, String metricName, MetricGroup group) {
    metrics.remove(metric);
  }

  /** Every registered metric's current value, one family per name. */
  private final class FlinkCollector extends Collector {
    @Override
    public List<MetricFamilySamples> collect() {
      Map<String, List<MetricFamilySamples.Sample>> byName = new LinkedHashMap<>();
      Map<String, String> help = new LinkedHashMap<>();
      metrics.forEach((metric, r) -> {
        List<MetricFamilySamples.Sample> samples = byName.computeIfAbsent(r.name(), n -> new ArrayList<>());
        help.putIfAbsent(r.name(), r.help());
        Double v = value(metric);
        if (v != null) {
          samples.add(new MetricFamilySamples.Sample(r.name(), r.labelNames(), r.labelValues(), v));
        } else if (metric instanceof Histogram h) {
          samples.add(new MetricFamilySamples.Sample(r.name() + "_count", r.labelNames(), r.labelValues(), h.getCount()));
          HistogramStatistics stats = h.getStatistics();
          List<String> names = new ArrayList<>(r.labelNames());
          names.add("quantile");
          for (double q : QUANTILES) {
            List<String> values = new ArrayList<>(r.labelValues());
            values.add(Double.toString(q));
            samples.add(new MetricFamilySamples.Sample(r.name(), names, values, stats.getQuantile(q)));
          }
        }
      });
      List<MetricFamilySamples> out = new ArrayList<>();
      byName.forEach((name, samples) -> {
        if (!samples.isEmpty()) {
          out.add(new MetricFamilySamples(name, Type.GAUGE, help.get(name), samples));
        }
      });
      return out;
    }
  }

  /** A counter's count, a meter's rate, a numeric or boolean gauge's value; null otherwise. */
  private static Double value(Metric metric) {
    if (metric instanceof Counter c) {
      return (double) c.getCount();
    }
    if (metric instanceof Meter m) {
      return m.getRate();
    }
    if (metric instanceof Gauge<?> g) {
      Object v = g.getValue();
      if (v instanceof Number n) {
        return n.doubleValue();
      }
      if (v instanceof Boolean b) {
        return b ? 1.0 : 0.0;
      }
    }
    return null;
  }
}
