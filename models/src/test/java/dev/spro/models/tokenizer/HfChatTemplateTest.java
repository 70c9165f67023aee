package dev.spro.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real Qwen3 and Llama 3.1 tokenizers' own chat templates, rendered here and by transformers
 * ({@code src/test/python/chat_template_fixtures.py} wrote the expected prompts and token ids),
 * and the pieces that make jinjava render Hugging Face's Python Jinja.
 */
class HfChatTemplateTest {
  private static final LocalDate DAY = LocalDate.of(2026, 12, 5);

  @ParameterizedTest
  @ValueSource(strings = {"qwen3", "llama3.1"})
  void promptsAndTokenIdsEqualTransformers(String name) throws IOException {
    JsonNode fixture = fixture(name);
    Path dir = SharedTokenizers.dir(name);
    HfChatTemplate template = HfChatTemplate.read(dir, DAY);
    try (HfTokenizer tokenizer = HfTokenizer.load(dir.resolve("tokenizer.json"), fixture.get("eos_token").asText(),
        Integer.MAX_VALUE)) {
      for (JsonNode c : fixture.get("conversations")) {
        List<ChatTemplate.Message> messages = new ArrayList<>();
        c.get("messages").forEach(m -> messages.add(new ChatTemplate.Message(m.get("role").asText(), m.get("content").asText())));
        Map<String, Object> extra = c.has("enable_thinking") ? Map.of("enable_thinking", c.get("enable_thinking").asBoolean())
            : Map.of();
        String text = template.render(messages, c.get("add_generation_prompt").asBoolean(), extra);
        assertEquals(c.get("text").asText(), text, name + ": " + c.get("name").asText());
        assertArrayEquals(ids(c.get("ids")), tokenizer.encode(text), name + ": " + c.get("name").asText());
      }
      for (JsonNode t : fixture.get("texts")) {
        assertArrayEquals(ids(t.get("ids")), tokenizer.encode(t.get("text").asText()), name + ": " + t.get("text").asText());
      }
    }
  }

  @Test
  void aTemplateFileWinsOverTheConfigsKeyAndSpecialTokensComeFromTheConfig(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer_config.json"), """
        {"chat_template": "ignored", "bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>"}""");
    Files.writeString(dir.resolve("chat_template.jinja"),
        "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}\n");
    HfChatTemplate t = HfChatTemplate.read(dir, DAY);
    assertEquals("<s>[user]hi</s>", t.render(List.of(new ChatTemplate.Message("user", "hi"))));
    assertTrue(t.origin().endsWith("chat_template.jinja"));
  }

  @Test
  void aMissingTemplateIsNamedWithWhatToDo(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
    assertFalse(HfChatTemplate.exists(dir));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfChatTemplate.read(dir, DAY));
    assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("model.chatTemplate: plain or chatml"),
        e.getMessage());
  }

  @Test
  void raiseExceptionStopsWithTheTemplatesMessageAndItsFile(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("chat_template.jinja"),
        "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversation must start with the user') }}{% endif %}ok");
    // reading renders a system + user probe, which this template refuses
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfChatTemplate.read(dir, DAY));
    assertTrue(e.getMessage().contains("Conversation must start with the user"), e.getMessage());
    assertTrue(e.getMessage().contains("chat_template.jinja"), e.getMessage());
  }

  @Test
  void strftimeNowFormatsTheTemplatesDay() {
    HfChatTemplate t = new HfChatTemplate("Today Date: {{ strftime_now('%d %b %Y') }} ({{ strftime_now('%A, %B %-d') }})",
        "test", Map.of(), DAY);
    assertEquals("Today Date: 05 Dec 2026 (Saturday, December %-d)", t.render(List.of()));
  }

  @Test
  void aTemplateCannotReachJavaClasses() {
    HfChatTemplate t = new HfChatTemplate("[{{ messages.getClass().forName('java.lang.Runtime') }}]", "test", Map.of(), DAY);
    String out;
    try {
      out = t.render(List.of(new ChatTemplate.Message("user", "hi")));
    } catch (IllegalArgumentException refused) {
      return;
    }
    assertFalse(out.contains("Runtime"), out);
  }

  @Test
  void pythonSlicesAndKeywordArgumentsAreRewrittenForJinjava() {
    assertEquals(" for m in (messages|reverse) ", JinjaDialect.rewrite(" for m in messages[::-1] "));
    assertEquals(" (a.b[0]['c']|reverse)|length ", JinjaDialect.rewrite(" a.b[0]['c'][::-1]|length "));
    assertEquals(" set ns = namespace(a=(true), b=(messages|length - 1)) ",
        JinjaDialect.rewrite(" set ns = namespace(a=true, b=messages|length - 1) "));
    assertEquals(" x == 1 and f(y != 2) ", JinjaDialect.rewrite(" x == 1 and f(y != 2) "));
    assertEquals(" '[::-1] a=b' ", JinjaDialect.rewrite(" '[::-1] a=b' "));
    assertEquals(" f([1, 2], k=({'a': 1})) ", JinjaDialect.rewrite(" f([1, 2], k={'a': 1}) "));
    assertThrows(IllegalArgumentException.class, () -> JinjaDialect.rewrite(" messages[::2] "));
    assertEquals("a{{ (m|reverse) }}b{# m[::-1] #}{%- if x -%}", JinjaDialect.toJinjava("a{{ m[::-1] }}b{# m[::-1] #}{%- if x -%}"));
  }

  @Test
  void stringMethodsFollowPython() {
    assertEquals(List.of("a", "b", "c"), PythonStringMethods.split("  a b\t\nc ", null, -1));
    assertEquals(List.of("", "x", ""), PythonStringMethods.split("</t>x</t>", "</t>", -1));
    assertEquals(List.of("a", "b c"), PythonStringMethods.split("a b c", " ", 1));
    assertEquals("x", PythonStringMethods.strip("\n\nx\n", "\n", true, true));
    assertEquals("x\n", PythonStringMethods.strip("\n\nx\n", "\n", true, false));
    assertEquals("ab", PythonStringMethods.strip(" \tab \n", null, true, true));
    assertEquals(true, PythonStringMethods.call("<tool_response>", "startswith", new Object[] {"<tool"}));
    assertEquals("A-b-c", PythonStringMethods.call("-", "join", new Object[] {List.of("A", "b", "c")}));
    assertEquals("Hello World", PythonStringMethods.call("hello wORLD", "title", new Object[0]));
  }

  private static int[] ids(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  private static JsonNode fixture(String name) throws IOException {
    try (InputStream in = HfChatTemplateTest.class.getResourceAsStream("/chat-templates/" + name + ".json")) {
      return new ObjectMapper().readTree(in);
    }
  }
}
