/**
 * Metric names as the field uses them (verl's: {@code critic/score/mean}, {@code
 * actor/pg_clipfrac}, {@code response_length/mean}, ...), so runs can be compared with other
 * trainers, and a mergeable accumulator that computes the per-batch ones from plain arrays.
 */
package dev.spro.transforms.metrics;
