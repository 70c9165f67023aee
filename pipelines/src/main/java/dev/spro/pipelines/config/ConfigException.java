package dev.spro.pipelines.config;

/**
 * A run config that cannot run, found before anything is written: the message names where the
 * config came from, the key, the bad value and what is allowed. The command line exits 2 on it.
 */
public final class ConfigException extends IllegalArgumentException {
  public ConfigException(String source, String problem) {
    super(source + ": " + problem);
  }

  public ConfigException(String source, String problem, Throwable cause) {
    super(source + ": " + problem, cause);
  }
}
