/**
 * Checkpoints in Hugging Face layout: {@code config.json} and {@code model.safetensors} with
 * Hugging Face parameter names. Safetensors files are read memory-mapped and validated before any
 * byte is trusted; fp32, bf16 and fp16 tensors load as fp32 (the engine has no bf16 here) and are
 * written back in their own dtype, so load-then-save gives the same bytes.
 */
package dev.spro.models.checkpoint;
