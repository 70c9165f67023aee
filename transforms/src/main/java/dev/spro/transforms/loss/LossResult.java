package dev.spro.transforms.loss;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * A loss to back-propagate and its diagnostics under verl's metric names.
 *
 * @param loss 0-d tensor, part of the autograd graph
 * @param diagnostics plain numbers (e.g. {@code actor/pg_clipfrac}), already detached
 */
public record LossResult(NDArray loss, Map<String, Double> diagnostics) {}
