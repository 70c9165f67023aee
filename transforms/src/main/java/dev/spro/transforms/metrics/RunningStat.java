package dev.spro.transforms.metrics;

import java.io.Serializable;

/** Count, sum, min and max of a stream of numbers; merging two gives the stat of both streams. */
public final class RunningStat implements Serializable {
  private long count;
  private double sum;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;

  public void add(double value) {
    count++;
    sum += value;
    min = Math.min(min, value);
    max = Math.max(max, value);
  }

  public RunningStat merge(RunningStat other) {
    count += other.count;
    sum += other.sum;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
    return this;
  }

  public long count() {
    return count;
  }

  public double sum() {
    return sum;
  }

  /** The mean, or NaN when nothing was added. */
  public double mean() {
    return count == 0 ? Double.NaN : sum / count;
  }

  public double min() {
    return count == 0 ? Double.NaN : min;
  }

  public double max() {
    return count == 0 ? Double.NaN : max;
  }
}
