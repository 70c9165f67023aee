package dev.spro.pipelines.flink;

import java.util.Properties;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/** Creates {@link PrometheusReporter}s; named in Flink's config by {@code metrics.reporter.<name>.factory.class}. */
public final class PrometheusReporterFactory implements MetricReporterFactory {
  @Override
  public MetricReporter createMetricReporter(Properties properties) {
    return new PrometheusReporter();
  }
}
