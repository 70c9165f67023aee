package dev.spro.models.tokenizer;

import java.util.List;
import java.util.Locale;

/**
 * Turns chat messages into the prompt text a model continues.
 *
 * <pre>
 *   plain    "{content}\n" per message, then nothing: the model continues after the last message
 *   chatml   "&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n" per message, then
 *            "&lt;|im_start|&gt;assistant\n"   (Qwen's template)
 * </pre>
 */
public enum ChatTemplate {
  PLAIN,
  CHATML;

  /** One chat turn. */
  public record Message(String role, String content) {}

  public static ChatTemplate of(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown chat template '" + name + "'; known: plain, chatml");
    }
  }

  public String render(List<Message> messages) {
    StringBuilder sb = new StringBuilder();
    for (Message m : messages) {
      switch (this) {
        case PLAIN -> sb.append(m.content()).append('\n');
        case CHATML -> sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
      }
    }
    if (this == CHATML) {
      sb.append("<|im_start|>assistant\n");
    }
    return sb.toString();
  }
}
