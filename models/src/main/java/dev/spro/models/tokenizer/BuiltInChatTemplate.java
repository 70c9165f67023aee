package dev.spro.models.tokenizer;

import java.util.List;

/**
 * The chat formats of the built-in task and of models without a template of their own.
 *
 * <pre>
 *   plain    "{content}\n" per message, then nothing: the model continues after the last message
 *   chatml   "&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n" per message, then
 *            "&lt;|im_start|&gt;assistant\n"   (Qwen's template without its extras)
 * </pre>
 */
public enum BuiltInChatTemplate implements ChatTemplate {
  PLAIN,
  CHATML;

  @Override
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
