/**
 * The stages of one RL iteration, each a composite {@code PTransform} with its own metrics:
 * {@link dev.spro.transforms.stages.ReadPrompts} → {@link dev.spro.transforms.stages.GroupSampling}
 * → {@link dev.spro.transforms.stages.OutcomeReward} → {@link dev.spro.transforms.stages.SelfGuidedReward}
 * → {@link dev.spro.transforms.stages.Advantage} → {@link dev.spro.transforms.stages.GradientStep}.
 *
 * <p>Every stage is deterministic: elements go to workers by a hash of their prompt id ({@link
 * dev.spro.transforms.stages.Shards}), each worker sorts what it got, and every random draw comes
 * from a seed derived from (run seed, iteration, prompt id, sample index) ({@link
 * dev.spro.transforms.stages.Seeds}). So a stage re-run after a crash produces the same bits.
 * DoFns load models once per worker in {@code @Setup} and turn gradient recording off on their
 * thread for inference.
 */
package dev.spro.transforms.stages;
