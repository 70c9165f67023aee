package dev.spro.runners.cli;

import dev.spro.models.tokenizer.HfChatTemplate;
import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The config of {@code spro sample} and {@code spro eval}: {@code --config} when given; else, for a
 * checkpoint that is a whole Hugging Face model directory (its {@code tokenizer.json} beside the
 * weights, as {@code spro export} and {@code save_pretrained} write it), the defaults with that
 * directory's tokenizer, its {@code eos_token} and its own chat template (plain text without one) —
 * so {@code spro sample --checkpoint my-model --prompt ...} needs nothing else.
 */
final class CheckpointConfig {
  private CheckpointConfig() {}

  static RunConfig load(Path config, Path checkpoint) {
    RunConfig c = RunConfig.load(config);
    Path tokenizer = checkpoint.resolve("tokenizer.json");
    if (config != null || !Files.isRegularFile(tokenizer)) {
      return c;
    }
    c.source = "the model directory " + checkpoint;
    c.model.checkpoint = checkpoint.toString();
    c.model.tokenizer = tokenizer.toString();
    c.model.eosToken = eosToken(checkpoint);
    c.model.chatTemplate = HfChatTemplate.exists(checkpoint) ? "model" : "plain";
    c.validate();
    return c;
  }

  /** The {@code eos_token} of the directory's tokenizer_config.json (a string or an added-token object). */
  private static String eosToken(Path dir) {
    String eos;
    try {
      eos = HfChatTemplate.specialTokens(dir).get("eos_token");
    } catch (IllegalArgumentException e) {
      throw new ConfigException("the model directory " + dir, e.getMessage(), e);
    }
    if (eos == null || eos.isEmpty()) {
      throw new ConfigException("the model directory " + dir, "no eos_token in " + dir.resolve("tokenizer_config.json")
          + "; give --config with model.eosToken (and model.tokenizer)");
    }
    return eos;
  }
}
