package dev.spro.pipelines.run;

import java.util.ArrayList;
import java.util.List;
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
    return stepMaxima(result, namespace, name).stream().reduce(0L, Math::max);
  }

  /**
   * The sum over the steps that report the distribution {@code namespace/name} of each step's
   * largest value (attempted); 0 if none — for stages that run one after another, what their
   * slowest tasks add up to.
   */
  public static long sumOfStepMax(PipelineResult result, String namespace, String name) {
    return stepMaxima(result, namespace, name).stream().mapToLong(Long::longValue).sum();
  }

  /** Each reporting step's largest value of the distribution; empty if the runner reports none. */
  private static List<Long> stepMaxima(PipelineResult result, String namespace, String name) {
    List<Long> maxima = new ArrayList<>();
    try {
      for (MetricResult<DistributionResult> d : result.metrics().queryMetrics(MetricsFilter.builder()
          .addNameFilter(MetricNameFilter.named(namespace, name)).build()).getDistributions()) {
        if (d.getAttempted().getCount() > 0) {
          maxima.add(d.getAttempted().getMax());
        }
      }
    } catch (UnsupportedOperationException e) {
      return List.of();
    }
    return maxima;
  }
}
