package dev.spro.models.sampling;

/**
 * One sampled response.
 *
 * @param tokens response tokens, the stop token included when {@code stopped}
 * @param samplerLogProbs log-prob of each token under the distribution it was drawn from
 *     (after temperature, top-k, top-p); for greedy decoding, under the untempered softmax
 * @param stopped true if a stop token ended it, false if it hit max new tokens
 */
public record Generation(int[] tokens, float[] samplerLogProbs, boolean stopped) {}
