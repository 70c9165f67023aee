/** Pipeline options for running our pipelines on Flink: embedded ({@code [local]}) or a cluster. */
package dev.spro.pipelines.flink;
