/**
 * Batched generation with a key/value cache. Each sequence draws from its own generator seeded
 * by the caller (the pipeline derives it from run seed, iteration, prompt id and sample index),
 * so a sequence's tokens do not depend on what else is in the batch.
 */
package dev.spro.models.sampling;
