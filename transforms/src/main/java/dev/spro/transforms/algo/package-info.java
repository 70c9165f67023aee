/**
 * The RL algorithms as pure functions: a group of responses to one prompt in, per-token
 * advantages out. No Beam and no DJL types — plain arrays — so every formula is tested in
 * milliseconds against hand-derived vectors ({@code docs/algorithms.md}).
 *
 * <p>Pick an estimator by name from {@link dev.spro.transforms.algo.AdvantageEstimators}:
 * {@code spro} (the default), {@code grpo}, {@code drgrpo}, {@code rloo}, {@code prime}. Each
 * documents its formula in its Javadoc; {@link dev.spro.transforms.algo.AdvantageConfig} holds
 * their knobs, with defaults that reproduce the papers.
 */
package dev.spro.transforms.algo;
