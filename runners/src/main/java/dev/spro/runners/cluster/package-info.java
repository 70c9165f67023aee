/**
 * A standalone Flink session cluster on this machine, for {@code spro cluster start|status|stop}:
 * JobManager and TaskManager processes started from the build's cluster library, their config,
 * logs and pid files in one directory.
 */
package dev.spro.runners.cluster;
