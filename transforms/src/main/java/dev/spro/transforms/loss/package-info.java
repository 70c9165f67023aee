/**
 * The losses of the gradient step, on DJL NDArrays: the PPO clipped surrogate with dual clip and
 * its four aggregation modes ({@link dev.spro.transforms.loss.PolicyLoss}), KL estimators against
 * the reference ({@link dev.spro.transforms.loss.KlEstimator}), and PRIME's implicit-PRM
 * cross-entropy ({@link dev.spro.transforms.loss.PrimeRewardModelLoss}).
 *
 * <p>All arrays are {@code [batch, responseTokens]}, right-padded, with a 0/1 mask of the same
 * shape and dtype. Code here runs under a gradient collector, where arithmetic between a tracked
 * tensor and a Java number corrupts DJL's gradients: every constant is a tensor made by {@link
 * dev.spro.models.nn.Scalars}, never {@code x.mul(2f)} or {@code x.clip(a, b)}.
 */
package dev.spro.transforms.loss;
