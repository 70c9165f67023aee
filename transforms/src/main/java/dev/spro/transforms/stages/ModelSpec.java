package dev.spro.transforms.stages;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.spro.models.checkpoint.ModelCheckpoint;
import dev.spro.models.engine.DeviceChoice;
import dev.spro.models.engine.DjlRuntime;
import dev.spro.models.nn.Transformer;
import dev.spro.models.tokenizer.ChatTemplate;
import dev.spro.models.tokenizer.TextTokenizer;
import dev.spro.models.tokenizer.TokenizerSpec;
import dev.spro.schemas.ChatMessage;
import dev.spro.schemas.Prompt;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;

/**
 * What a worker needs to turn prompts into tokens and load models: the tokenizer, the chat
 * template, the engine's thread count, and the device models go on (see {@link DeviceChoice}).
 */
public record ModelSpec(TokenizerSpec tokenizer, ChatTemplate chatTemplate, int threads, DeviceChoice.Setting device)
    implements Serializable {

  public static ModelSpec charTokenizer(String alphabet, int threads) {
    return new ModelSpec(new TokenizerSpec.Chars(alphabet), ChatTemplate.PLAIN, threads, DeviceChoice.Setting.CPU);
  }

  public TextTokenizer newTokenizer(int vocabSize) {
    return tokenizer.open(vocabSize);
  }

  /** The prompt's chat messages as token ids. */
  public int[] encodePrompt(TextTokenizer t, Prompt p) {
    List<ChatTemplate.Message> messages = p.getMessages().stream()
        .map((ChatMessage m) -> new ChatTemplate.Message(m.getRole(), m.getContent())).toList();
    return t.encode(chatTemplate.render(messages));
  }

  /**
   * Starts the engine (once per JVM) and loads a checkpoint; the model's arrays live in a
   * sub-manager of one JVM-wide manager and are freed when the model is closed.
   */
  public Transformer load(Path checkpoint) {
    return ModelCheckpoint.load(checkpoint, Models.manager(threads, device), DataType.FLOAT32);
  }

  /** The JVM-wide parent manager of this spec's models (the engine started once per JVM). */
  public NDManager manager() {
    return Models.manager(threads, device);
  }

  /** The JVM-wide parent manager of the models that workers load, one per device. */
  private static final class Models {
    private static final java.util.Map<DeviceChoice.Setting, NDManager> MANAGERS =
        new java.util.EnumMap<>(DeviceChoice.Setting.class);

    static synchronized NDManager manager(int threads, DeviceChoice.Setting device) {
      return MANAGERS.computeIfAbsent(device, d -> {
        Engine engine = DjlRuntime.init(DjlRuntime.settings().intraOpThreads(threads));
        return engine.newBaseManager(DeviceChoice.select(engine, d));
      });
    }
  }
}
