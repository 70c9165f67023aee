package dev.spro.models.train;

import java.io.Serializable;

/**
 * The learning rate at optimizer step {@code step} (0 for the first step).
 *
 * <pre>
 *   constant   lr
 *   warmup     lr * min(1, (step + 1) / warmupSteps)
 *   cosine     warm-up, then lr * (minRatio + (1 - minRatio) * (1 + cos(pi * progress)) / 2)
 * </pre>
 */
public interface LrSchedule extends Serializable {
  double lr(long step);

  static LrSchedule constant(double lr) {
    return step -> lr;
  }

  static LrSchedule linearWarmup(double lr, long warmupSteps) {
    return step -> warmupSteps <= 0 ? lr : lr * Math.min(1.0, (step + 1.0) / warmupSteps);
  }

  static LrSchedule cosine(double lr, long warmupSteps, long totalSteps, double minRatio) {
    return step -> {
      if (step < warmupSteps) {
        return lr * (step + 1.0) / warmupSteps;
      }
      double progress = Math.min(1.0, (step - warmupSteps) / (double) Math.max(1, totalSteps - warmupSteps));
      return lr * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    };
  }

  /** The schedules a run config names ({@code constant}, {@code warmup}, {@code cosine}). */
  enum Kind {
    CONSTANT,
    WARMUP,
    COSINE;

    /** This schedule for a peak {@code lr}; cosine decays to a tenth of it by {@code totalSteps}. */
    public LrSchedule of(double lr, long warmupSteps, long totalSteps) {
      return switch (this) {
        case CONSTANT -> constant(lr);
        case WARMUP -> linearWarmup(lr, warmupSteps);
        case COSINE -> cosine(lr, warmupSteps, totalSteps, 0.1);
      };
    }
  }
}
