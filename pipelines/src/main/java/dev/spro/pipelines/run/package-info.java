/**
 * The iteration driver and the run directory: {@link dev.spro.pipelines.run.Driver} runs one Beam
 * pipeline per iteration ({@link dev.spro.pipelines.run.IterationPipeline}); every stage output
 * and checkpoint is committed atomically ({@link dev.spro.pipelines.run.StageOutput}, a marker
 * written by rename; checkpoints by directory rename), and {@link dev.spro.pipelines.run.RunDirectory}
 * finds the last committed stage to resume from.
 */
package dev.spro.pipelines.run;
