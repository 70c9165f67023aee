package dev.spro.pipelines.run;

import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/** Reading a finished pipeline's Beam counters and distributions. */
public final class BeamCounters {
  private BeamCounters() {}

  /** The counter {@code namespace/name} summed over every worker (attempted values); 0 if the runner reports none. */
  public static long sum(PipelineResult result, String namespace, String name) {
    long total = 0;
    try {
      for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder()
          .addNameFilter(MetricNameFilter.named(namespace, name)).build()).getCounters()) {
        total += c.getAttempted();
      }
    } catch (UnsupportedOperationException e) {
      return 0;
    }
    return total;
  }

  /** The largest value the distribution {@code namespace/name} saw on any worker (attempted); 0 if none. */
  public static long max(PipelineResult result, String namespace, String name) {
    long max = 0;
    try {
      for (MetricResult<DistributionResult> d : result.metrics().queryMetrics(MetricsFilter.builder()
          .addNameFilter(MetricNameFilter.named(namespace, name)).build()).getDistributions()) {
        if (d.getAttempted().getCount() > 0) {
          max = Math.max(max, d.getAttempted().getMax());
        }
      }
    } catch (UnsupportedOperationException e) {
      return 0;
    }
    return max;
  }
}
