/**
 * Verifiable outcome rewards: answer checkers keyed by a prompt's {@code data_source} in a
 * {@link dev.spro.transforms.reward.VerifierRegistry} — GSM8K's {@code ####} answers, MATH-style
 * {@code \boxed{}} answers (normalised, then compared as strings, numbers, tuples or sets, and
 * symbolically with Symja under a time limit), and exact match. Every verifier is total: any
 * input returns a score in bounded time and nothing is thrown.
 */
package dev.spro.transforms.reward;
