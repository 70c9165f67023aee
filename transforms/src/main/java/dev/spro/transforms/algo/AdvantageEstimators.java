package dev.spro.transforms.algo;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The registry of advantage estimators, by the name a run config uses. */
public final class AdvantageEstimators {
  private static final Map<String, AdvantageEstimator> BY_NAME = new LinkedHashMap<>();

  static {
    register(new SproAdvantage());
    register(GrpoAdvantage.grpo());
    register(GrpoAdvantage.drGrpo());
    register(new RlooAdvantage());
    register(new PrimeAdvantage());
    // the credit study's arms (docs/algorithms.md, "The credit study's arms")
    register(new SproAdvantage(SproAdvantage.ProcessSum.TOKEN));
    register(new SproAdvantage(SproAdvantage.ProcessSum.PREFIX));
    register(new SproAdvantage(SproAdvantage.ProcessSum.PLACEBO));
    register(new KlBonusAdvantage());
    register(new OracleAdvantage());
  }

  private AdvantageEstimators() {}

  private static void register(AdvantageEstimator estimator) {
    BY_NAME.put(estimator.name(), estimator);
  }

  /** The estimator called {@code name} (case-insensitive); a clear error lists the known names. */
  public static AdvantageEstimator get(String name) {
    AdvantageEstimator e = name == null ? null : BY_NAME.get(name.trim().toLowerCase(java.util.Locale.ROOT));
    if (e == null) {
      throw new IllegalArgumentException(
          "unknown advantage estimator '" + name + "'; known: " + String.join(", ", BY_NAME.keySet()));
    }
    return e;
  }

  /** Every registered name, in registration order (spro first). */
  public static Set<String> names() {
    return java.util.Collections.unmodifiableSet(BY_NAME.keySet());
  }
}
