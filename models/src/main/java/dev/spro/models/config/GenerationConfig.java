package dev.spro.models.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a Hugging Face checkpoint's {@code generation_config.json} says about when a response ends
 * and how to sample: its {@code eos_token_id}, one id or a list, and the sampling defaults
 * {@code do_sample}, {@code temperature}, {@code top_k} and {@code top_p} (null where it has none),
 * which {@code spro sample} falls back on as {@code generate} does. Instruct models stop on more than one token — Qwen2.5
 * and Qwen3 on {@code <|im_end|>} and {@code <|endoftext|>}, Llama 3.1 on {@code <|eot_id|>},
 * {@code <|eom_id|>} and {@code <|end_of_text|>} — and transformers' {@code generate} stops on
 * any of them; a sampler stopping on one keeps writing after the others.
 *
 * @param eosTokenIds the end-of-sequence ids, in the file's order; empty when there is no file or
 *     it names none
 * @param doSample false: greedy decoding (transformers' default when the key is absent is false)
 */
public record GenerationConfig(List<Integer> eosTokenIds, Boolean doSample, Double temperature, Integer topK,
    Double topP) {
  public static final String FILE = "generation_config.json";

  public GenerationConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** The generation config of checkpoint directory {@code dir}; none (no ids) when it has no such file. */
  public static GenerationConfig read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return new GenerationConfig(List.of(), null, null, null, null);
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
    return new GenerationConfig(ids, n.has("do_sample") ? bool(file, n, "do_sample") : null,
        number(file, n, "temperature", 0, Double.MAX_VALUE), n.hasNonNull("top_k")
            ? (int) (double) number(file, n, "top_k", 0, Integer.MAX_VALUE) : null,
        number(file, n, "top_p", 0, 1));
  }

  /** Whether the file names any sampling default. */
  public boolean hasSamplingDefaults() {
    return doSample != null || temperature != null || topK != null || topP != null;
  }

  private static boolean bool(Path file, JsonNode n, String key) {
    if (!n.get(key).isBoolean()) {
      throw new IllegalArgumentException(file + ": " + key + " must be true or false, was " + n.get(key));
    }
    return n.get(key).booleanValue();
  }

  private static Double number(Path file, JsonNode n, String key, double min, double max) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber() || v.doubleValue() < min || v.doubleValue() > max) {
      throw new IllegalArgumentException(file + ": " + key + " must be a number in [" + min + ", " + max + "], was " + v);
    }
    return v.doubleValue();
  }
}
