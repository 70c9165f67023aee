package dev.spro.transforms.algo;

import java.io.Serializable;

/**
 * The knobs of the advantage estimators. Defaults reproduce the papers' formulas (SPRO with its
 * stability guards off); see {@code docs/algorithms.md} for what each one means.
 *
 * @param beta scale of the self-guided (SPRO) or implicit (PRIME) process reward
 * @param msaStdNorm SPRO: divide each step's MSA by the unbiased std over alive responses
 * @param msaLeaveOneOut SPRO: each response's step baseline excludes the response itself
 * @param msaCoef SPRO: weight of the MSA term in the final advantage
 * @param msaOnlyMixedGroups SPRO guard: MSA = 0 in a group whose outcome rewards are all equal
 * @param msaClip SPRO guard: |MSA| is clipped at this bound (infinity: off)
 * @param normByStd GRPO: divide by the group std; false gives Dr.GRPO
 * @param epsilon added to a std before dividing by it
 */
public record AdvantageConfig(
    double beta,
    boolean msaStdNorm,
    boolean msaLeaveOneOut,
    double msaCoef,
    boolean msaOnlyMixedGroups,
    double msaClip,
    boolean normByStd,
    double epsilon)
    implements Serializable {

  public static final double DEFAULT_EPSILON = 1e-6;

  public AdvantageConfig {
    if (!(beta >= 0) || !Double.isFinite(beta)) {
      throw new IllegalArgumentException("beta must be finite and >= 0, was " + beta);
    }
    if (!Double.isFinite(msaCoef)) {
      throw new IllegalArgumentException("msaCoef must be finite, was " + msaCoef);
    }
    if (!(msaClip > 0)) {
      throw new IllegalArgumentException("msaClip must be > 0 (Double.POSITIVE_INFINITY turns it off), was " + msaClip);
    }
    if (!(epsilon >= 0)) {
      throw new IllegalArgumentException("epsilon must be >= 0, was " + epsilon);
    }
  }

  /** The paper's formulas: beta 0.05 (PRIME's), guards off, GRPO std normalisation on. */
  public static AdvantageConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .beta(beta).msaStdNorm(msaStdNorm).msaLeaveOneOut(msaLeaveOneOut).msaCoef(msaCoef)
        .msaOnlyMixedGroups(msaOnlyMixedGroups).msaClip(msaClip).normByStd(normByStd).epsilon(epsilon);
  }

  /** Builds an {@link AdvantageConfig}; unset fields keep the paper's values. */
  public static final class Builder {
    private double beta = 0.05;
    private boolean msaStdNorm = false;
    private boolean msaLeaveOneOut = false;
    private double msaCoef = 1.0;
    private boolean msaOnlyMixedGroups = false;
    private double msaClip = Double.POSITIVE_INFINITY;
    private boolean normByStd = true;
    private double epsilon = DEFAULT_EPSILON;

    public Builder beta(double v) { beta = v; return this; }
    public Builder msaStdNorm(boolean v) { msaStdNorm = v; return this; }
    public Builder msaLeaveOneOut(boolean v) { msaLeaveOneOut = v; return this; }
    public Builder msaCoef(double v) { msaCoef = v; return this; }
    public Builder msaOnlyMixedGroups(boolean v) { msaOnlyMixedGroups = v; return this; }
    public Builder msaClip(double v) { msaClip = v; return this; }
    public Builder normByStd(boolean v) { normByStd = v; return this; }
    public Builder epsilon(double v) { epsilon = v; return this; }

    public AdvantageConfig build() {
      return new AdvantageConfig(beta, msaStdNorm, msaLeaveOneOut, msaCoef, msaOnlyMixedGroups, msaClip, normByStd, epsilon);
    }
  }
}
