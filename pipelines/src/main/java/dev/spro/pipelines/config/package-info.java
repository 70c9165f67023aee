/**
 * The run configuration: a YAML file merged over defaults ({@link dev.spro.pipelines.config.RunConfig}),
 * frozen into the run directory with a hash so a resume with a different config is refused.
 */
package dev.spro.pipelines.config;
