/**
 * Throughput measurements of the model on this machine (run by {@code bench/model-throughput.sh}
 * next to the same model in PyTorch eager): training and generation tokens per second, against
 * the fp32 matmul ceiling measured in the same run.
 */
package dev.spro.models.bench;
