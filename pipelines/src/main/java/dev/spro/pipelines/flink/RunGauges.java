package dev.spro.pipelines.flink;

import io.prometheus.client.Collector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The run's own figures for Prometheus: every numeric value of the newest metrics.jsonl line of
 * each phase (train, eval), as {@code spro_<name>} with the run's name as a label — verl's names
 * with {@code /} and other characters Prometheus does not allow turned into {@code _}
 * ({@code critic/score/mean} → {@code spro_critic_score_mean}, {@code timing_s/gen} →
 * {@code spro_timing_s_gen}), and {@code spro_iteration}. The driver sets them after each line;
 * {@link PrometheusReporter} serves them beside Flink's metrics from the same endpoint.
 */
public final class RunGauges extends Collector {
  /** The gauges of this JVM's run (one run per driver JVM). */
  public static final RunGauges INSTANCE = new RunGauges();

  private final Map<String, Double> values = new TreeMap<>();
  private String run = "";

  private RunGauges() {}

  /** Prometheus's name for metric {@code name}: {@code spro_} and the name with every other character an underscore. */
  public static String name(String metric) {
    return "spro_" + PrometheusReporter.FILTER.filterCharacters(metric);
  }

  /** Forgets every value: a new run (or a resumed one) starts with none of an earlier run's in this JVM. */
  public synchronized void start(String runName) {
    run = runName;
    values.clear();
  }

  /**
   * Sets the gauges of one metrics line of run {@code runName}: its numbers, and for a training
   * line ({@code iteration} not null) {@code spro_iteration}, the newest trained iteration.
   */
  public synchronized void update(String runName, Integer iteration, Map<String, ?> line) {
    run = runName;
    if (iteration != null) {
      values.put(name("iteration"), (double) iteration);
    }
    line.forEach((k, v) -> {
      if (v instanceof Number n && !k.equals("iteration")) {
        values.put(name(k), n.doubleValue());
      }
    });
  }

  @Override
  public synchronized List<MetricFamilySamples> collect() {
    List<MetricFamilySamples> out = new ArrayList<>();
    values.forEach((name, v) -> out.add(new MetricFamilySamples(name, Type.GAUGE, "metrics.jsonl: newest value",
        List.of(new MetricFamilySamples.Sample(name, List.of("run"), List.of(run), v)))));
    return out;
  }
}
