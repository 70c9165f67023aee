package dev.spro.transforms.stages;

import dev.spro.models.train.AdamW;
import dev.spro.models.train.LrSchedule;
import java.io.Serializable;

/**
 * The optimisation side of an iteration: learning rate and schedule, AdamW, gradient clipping,
 * micro-batch size (rows, and padded tokens when {@code microBatchTokens} > 0), and PRIME's
 * reward-model settings.
 */
public record TrainSettings(
    double lr,
    LrSchedule.Kind schedule,
    int warmupSteps,
    int totalSteps,
    AdamW.Hyper adam,
    double gradClip,
    int microBatch,
    int microBatchTokens,
    double primeBeta,
    double primeLr)
    implements Serializable {

  public LrSchedule lrSchedule() {
    return schedule.of(lr, warmupSteps, totalSteps);
  }
}
