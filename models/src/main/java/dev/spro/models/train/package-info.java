/**
 * What a gradient step needs besides the loss: gradient zeroing, global-norm clipping, AdamW with
 * moments that save and load as safetensors (DJL's own Adam keeps its state in memory with no
 * save API), and learning-rate schedules.
 */
package dev.spro.models.train;
