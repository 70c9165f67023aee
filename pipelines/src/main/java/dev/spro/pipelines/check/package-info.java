/**
 * The installation check behind {@code spro check}: a small Beam pipeline whose workers load the
 * DJL engine in {@code @Setup} and do tensor work per element, run on the same runner a training
 * run uses. It proves that Beam, Flink and the native engine share a JVM correctly.
 */
package dev.spro.pipelines.check;
