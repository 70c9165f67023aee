package dev.spro.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.models.EngineTestBase;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.checkpoint.SafeTensors;
import dev.spro.models.config.ModelConfig;
import dev.spro.models.sampling.Generation;
import dev.spro.models.sampling.Generator;
import dev.spro.models.sampling.SamplingParams;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * This decoder computes what transformers computes, for every family it reads: tiny random models
 * written by transformers' {@code save_pretrained} (so config.json is in the format current
 * transformers writes) with transformers' logits, greedy continuations and response log-probs as
 * fixtures ({@code src/test/python/transformers_fixtures.py} makes them): Qwen2 with grouped-query
 * attention, q/k/v biases, RoPE base 10^6 and an untied output layer; Llama with tied embeddings
 * and Llama 3.1's RoPE scaling; Qwen3 with per-head q/k norms and its own head_dim; and a Qwen2
 * stored in bf16. Logits are compared with the sequences left-padded in one batch and
 * right-padded in another; a checkpoint this product saves holds the very tensors it loaded (same dtype, same values).
 */
class TransformersParityTest extends EngineTestBase {
  private static final double TOLERANCE = 1e-4;
  private static final int PAD = 0;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  static Path fixture(String name) {
    try {
      return Path.of(TransformersParityTest.class.getResource("/parity/" + name + "/config.json").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<int[]> intLists(JsonNode n) {
    List<int[]> out = new ArrayList<>();
    for (JsonNode row : n) {
      int[] r = new int[row.size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = row.get(i).asInt();
      }
      out.add(r);
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"qwen2", "llama3", "qwen3", "qwen2-bf16"})
  void logitsGreedyTokensAndLogProbsAreTransformers(String name) throws IOException {
    Path dir = fixture(name);
    JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
    List<int[]> sequences = intLists(expected.get("sequences"));
    try (Transformer model = ModelCheckpoint.load(dir, manager, DataType.FLOAT32)) {
      int vocab = model.config().vocabSize();
      // left padding: the sequences as prompts; right padding: their first token as the prompt, the rest as responses
      List<int[]> firsts = new ArrayList<>();
      List<int[]> rests = new ArrayList<>();
      for (int[] s : sequences) {
        firsts.add(new int[] {s[0]});
        rests.add(java.util.Arrays.copyOfRange(s, 1, s.length));
      }
      double maxLogitDiff = 0;
      for (Layout layout : List.of(Layout.of(sequences, null, PAD), Layout.of(firsts, rests, PAD))) {
        float[] logits = logits(model, layout);
        int width = layout.tokens()[0].length;
        for (int i = 0; i < sequences.size(); i++) {
          int column = 0;
          for (int c = 0; c < width; c++) {
            if (!layout.valid()[i][c]) {
              continue;
            }
            JsonNode row = expected.get("logits").get(i).get(column++);
            for (int v = 0; v < vocab; v++) {
              maxLogitDiff = Math.max(maxLogitDiff, Math.abs(row.get(v).asDouble() - logits[(i * width + c) * vocab + v]));
              assertEquals(row.get(v).asDouble(), logits[(i * width + c) * vocab + v], TOLERANCE,
                  name + " sequence " + i + " token " + (column - 1) + " logit " + v);
            }
          }
          assertEquals(sequences.get(i).length, column);
        }
      }

      List<int[]> greedy = intLists(expected.get("greedy"));
      List<Generation> generated = Generator.generate(model, manager, sequences, new long[sequences.size()],
          SamplingParams.greedy(greedy.get(0).length, Set.of()), PAD);
      for (int i = 0; i < sequences.size(); i++) {
        assertArrayEquals(greedy.get(i), generated.get(i).tokens(), name + " greedy continuation of sequence " + i);
      }

      float[][] logProbs = Scorer.scoreToArrays(model, manager, sequences, greedy, PAD)[0];
      double maxLogProbDiff = 0;
      for (int i = 0; i < sequences.size(); i++) {
        for (int j = 0; j < greedy.get(i).length; j++) {
          maxLogProbDiff = Math.max(maxLogProbDiff, Math.abs(expected.get("response").get(i).get(j).asDouble() - logProbs[i][j]));
          assertEquals(expected.get("response").get(i).get(j).asDouble(), logProbs[i][j], TOLERANCE,
              name + " log-prob of response token " + j + " of sequence " + i);
        }
      }

      System.out.printf("%s: max |logit - transformers'| %.2e (left and right padded), max |log-prob - transformers'| %.2e,"
          + " greedy tokens equal%n", name, maxLogitDiff, maxLogProbDiff);

      // saved by this product: the same tensors in the same dtype with the same values, and a config that reads back the same
      ModelCheckpoint.save(model, tmp.resolve(name));
      ModelConfig original = ModelConfig.read(dir.resolve("config.json"));
      assertEquals(original, ModelConfig.read(tmp.resolve(name).resolve("config.json")));
      assertEquals(name.endsWith("bf16") ? "bfloat16" : "float32",
          JSON.readTree(tmp.resolve(name).resolve("config.json").toFile()).path("torch_dtype").asText(), "torch_dtype written");
      var theirs = SafeTensors.read(dir.resolve("model.safetensors")).tensors();
      var ours = SafeTensors.read(tmp.resolve(name).resolve("model.safetensors")).tensors();
      for (String tensor : Transformer.parameterShapes(original).keySet()) {
        assertEquals(theirs.get(tensor).dtype(), ours.get(tensor).dtype(), tensor);
        assertArrayEquals(theirs.get(tensor).values(), ours.get(tensor).values(), tensor);
      }
    }
  }

  private static float[] logits(Transformer model, Layout l) {
    try (NDManager s = model.parameters().values().iterator().next().getManager().newSubManager()) {
      return model.logits(model.hiddenStates(s, l.tokens(), l.positions(), l.valid(), null)).toFloatArray();
    }
  }
}
