package dev.spro.pipelines.run;

import dev.spro.pipelines.config.RunConfig;
import java.util.Locale;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * What a job is, for whoever looks at it in the Flink web UI: Beam's Flink runner hands every
 * pipeline option to Flink as the job's global parameters, which the UI lists under the job's
 * Configuration tab ("User Configuration") and the REST API under {@code /jobs/ID/config}. The job
 * name ({@code RUN-iter-000007}) says which run and iteration; these say it in words, with the
 * algorithm and its settings.
 */
public interface RunJobOptions extends PipelineOptions {

  @Description("The run this job belongs to (run.name).")
  String getSproRun();

  void setSproRun(String run);

  @Description("What the job does: an RL iteration, an evaluation, the warm start.")
  String getSproJob();

  void setSproJob(String job);

  @Description("The iteration it computes or evaluates (none for the warm start).")
  Integer getSproIteration();

  void setSproIteration(Integer iteration);

  @Description("The advantage estimator and its settings (algorithm.*).")
  String getSproAlgorithm();

  void setSproAlgorithm(String algorithm);

  /** Sets the description of a job of {@code config}'s run on {@code options}. */
  static PipelineOptions describe(PipelineOptions options, RunConfig config, String job, Integer iteration) {
    RunJobOptions o = options.as(RunJobOptions.class);
    o.setSproRun(config.run.name);
    o.setSproJob(job);
    o.setSproIteration(iteration);
    o.setSproAlgorithm(algorithm(config.algorithm));
    return options;
  }

  /** {@code spro (beta 0.05, msaClip 0.2)}: the estimator and the settings it reads. */
  static String algorithm(RunConfig.Algorithm a) {
    StringBuilder sb = new StringBuilder(a.name).append(String.format(Locale.ROOT, " (beta %s", a.beta));
    if (a.name.startsWith("spro")) {
      sb.append(String.format(Locale.ROOT, ", msaClip %s", a.msaClip == 0 ? "off" : a.msaClip));
      if (a.msaOnlyMixedGroups) {
        sb.append(", msaOnlyMixedGroups");
      }
    }
    if (a.minGroupAccuracy > 0 || a.maxGroupAccuracy < 1) {
      sb.append(String.format(Locale.ROOT, ", group accuracy in [%s, %s]", a.minGroupAccuracy, a.maxGroupAccuracy));
    }
    return sb.append(')').toString();
  }
}
