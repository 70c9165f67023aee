package dev.spro.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.models.engine.DjlRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {
  @TempDir Path dir;

  @BeforeAll
  static void engine() {
    DjlRuntime.init(); // offline settings for the tokenizers' native library too
  }

  @Test
  void charTokenizerRoundTripsAndRejectsUnknownCharacters() {
    CharTokenizer t = CharTokenizer.arithmetic();
    String s = "3+7=10;10-2=8;#### 8";
    int[] ids = t.encode(s);
    assertEquals(s.length(), ids.length);
    assertEquals(s, t.decode(ids));
    int[] withEos = java.util.Arrays.copyOf(ids, ids.length + 1);
    withEos[ids.length] = t.eosId();
    assertEquals(s, t.decode(withEos), "special tokens decode to nothing");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.encode("2€"));
    assertTrue(e.getMessage().contains("position 1"), e.getMessage());
  }

  /** A word-level tokenizer.json as the Hugging Face library writes one. */
  Path wordLevel() throws IOException {
    StringBuilder vocab = new StringBuilder("\"[UNK]\": 0, \"<eos>\": 1");
    for (int i = 0; i < 20; i++) {
      vocab.append(", \"w").append(i).append("\": ").append(i + 2);
    }
    String json = """
        {"version": "1.0", "truncation": null, "padding": null,
         "added_tokens": [{"id": 1, "content": "<eos>", "single_word": false, "lstrip": false, "rstrip": false,
                           "normalized": false, "special": true}],
         "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null,
         "decoder": null,
         "model": {"type": "WordLevel", "vocab": {%s}, "unk_token": "[UNK]"}}
        """.formatted(vocab);
    Path f = dir.resolve("tokenizer.json");
    Files.writeString(f, json);
    return f;
  }

  @Test
  void huggingFaceTokenizerJson() throws IOException {
    try (HfTokenizer t = HfTokenizer.load(wordLevel(), "<eos>", 22)) {
      assertArrayEquals(new int[] {2, 5, 3}, t.encode("w0 w3 w1"));
      assertEquals(1, t.eosId());
      assertEquals("w0 w3 w1", t.decode(new int[] {2, 5, 3}));
      assertArrayEquals(new int[] {0}, t.encode("unknown"));
    }
  }

  /** The real Qwen3 and Llama 3.1 files: their token counts, below the model rows Qwen pads to (151,936). */
  @Test
  void aRealTokenizerKnowsHowManyIdsItHas() throws IOException {
    assertEquals(151_669, HfTokenizer.tokenCount(realTokenizer("qwen3")));
    assertEquals(128_256, HfTokenizer.tokenCount(realTokenizer("llama3.1")));
    try (HfTokenizer t = HfTokenizer.load(realTokenizer("qwen3"), "<|im_end|>", 151_936)) {
      assertEquals(151_669, t.tokenCount());
      assertEquals(151_936, t.vocabSize());
    }
    try (HfTokenizer t = HfTokenizer.load(wordLevel(), "<eos>", 22)) {
      assertEquals(22, t.tokenCount());
    }
    try (HfTokenizer t = HfTokenizer.load(wordLevel(), "<eos>", 8)) {
      assertEquals(8, t.tokenCount()); // a model with fewer rows than the file has ids bounds it
    }
  }

  private static Path realTokenizer(String name) {
    return SharedTokenizers.dir(name).resolve("tokenizer.json");
  }

  @Test
  void longTextsAreNeverTruncated() throws IOException {
    try (HfTokenizer t = HfTokenizer.load(wordLevel(), "<eos>", 22)) {
      String text = "w7 ".repeat(3000);
      assertEquals(3000, t.encode(text).length);
    }
  }

  @Test
  void aTokenizerFileThatDoesNotParseIsAClearError() throws IOException {
    Path f = dir.resolve("broken.json");
    Files.writeString(f, "{\"model\": {\"type\": \"WordLevel\", \"vocab\": ");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(f, "<eos>", 10));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> HfTokenizer.load(dir.resolve("nope.json"), "<eos>", 10));
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    IllegalArgumentException eos = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(wordLevel(), "w1 w2", 22));
    assertTrue(eos.getMessage().contains("not a single token"), eos.getMessage());
  }

  @Test
  void chatTemplates() {
    List<ChatTemplate.Message> chat = List.of(new ChatTemplate.Message("system", "Be brief."), new ChatTemplate.Message("user", "2+2?"));
    assertEquals("Be brief.\n2+2?\n", ChatTemplate.PLAIN.render(chat));
    assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n",
        ChatTemplate.CHATML.render(chat));
    assertEquals(ChatTemplate.CHATML, ChatTemplate.of("chatml"));
    assertThrows(IllegalArgumentException.class, () -> ChatTemplate.of("llama3"));
  }
}
