/**
 * The decoder-only transformer of the Llama / Qwen2 family ({@link dev.spro.models.nn.Transformer}),
 * its key/value cache, and tensor helpers. Parameters are plain NDArrays under their Hugging
 * Face names, so checkpoints load and save without a translation table.
 */
package dev.spro.models.nn;
