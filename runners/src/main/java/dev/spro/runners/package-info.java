/**
 * The {@code spro} command line: {@link dev.spro.runners.SproCli} and one class per subcommand in
 * {@code dev.spro.runners.cli}. The launcher script {@code ./spro} at the repository root builds
 * the shaded jar of this module and runs it.
 */
package dev.spro.runners;
