/**
 * One class per {@code spro} subcommand. Subcommands that are declared but not built yet extend
 * {@link dev.spro.runners.cli.NotYetImplemented}: their options and help are real, and running
 * them fails with a clear message and a non-zero exit, never a fake success.
 */
package dev.spro.runners.cli;
