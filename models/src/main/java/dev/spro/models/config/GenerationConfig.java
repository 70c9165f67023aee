package dev.spro.models.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a Hugging Face checkpoint's {@code generation_config.json} says about when a response ends:
 * its {@code eos_token_id}, one id or a list. Instruct models stop on more than one token — Qwen2.5
 * and Qwen3 on {@code <|im_end|>} and {@code <|endoftext|>}, Llama 3.1 on {@code <|eot_id|>},
 * {@code <|eom_id|>} and {@code <|end_of_text|>} — and transformers' {@code generate} stops on
 * any of them; a sampler stopping on one keeps writing after the others.
 *
 * @param eosTokenIds the end-of-sequence ids, in the file's order; empty when there is no file or
 *     it names none
 */
public record GenerationConfig(List<Integer> eosTokenIds) {
  public static final String FILE = "generation_config.json";

  public GenerationConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** The generation config of checkpoint directory {@code dir}; none (no ids) when it has no such file. */
  public static GenerationConfig read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return new GenerationConfig(List.of());
    }
    JsonNode n = ModelConfig.readObject(file, "generation config");
    List<Integer> ids = new ArrayList<>();
    JsonNode eos = n.get("eos_token_id");
    if (eos != null && !eos.isNull()) {
      for (JsonNode id : eos.isArray() ? eos : List.of(eos)) {
        if (!id.isIntegralNumber() || id.intValue() < 0) {
          throw new IllegalArgumentException(file + ": eos_token_id must be a token id or a list of them, was " + eos);
        }
        ids.add(id.intValue());
      }
    }
    return new GenerationConfig(ids);
  }
}
