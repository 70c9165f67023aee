package dev.spro.models.tokenizer;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * Turns chat messages into the prompt text a model continues: one of the built-in formats of
 * {@link BuiltInChatTemplate} (the built-in task's), or a model's own Jinja template
 * ({@link HfChatTemplate}), rendered as transformers' {@code apply_chat_template} renders it.
 * A value that travels to workers.
 */
public interface ChatTemplate extends Serializable {
  ChatTemplate PLAIN = BuiltInChatTemplate.PLAIN;
  ChatTemplate CHATML = BuiltInChatTemplate.CHATML;

  /** One chat turn. */
  record Message(String role, String content) implements Serializable {}

  /** The prompt for {@code messages}, ending where the assistant's answer begins. */
  String render(List<Message> messages);

  /** A built-in template by name: {@code plain} or {@code chatml}. */
  static ChatTemplate of(String name) {
    try {
      return BuiltInChatTemplate.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown chat template '" + name + "'; known: plain, chatml");
    }
  }
}
