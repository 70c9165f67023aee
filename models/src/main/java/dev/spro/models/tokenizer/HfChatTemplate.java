package dev.spro.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A model's own chat template, the Jinja text of its {@code chat_template.jinja} or of the
 * {@code chat_template} key of its {@code tokenizer_config.json}, rendered as transformers'
 * {@code apply_chat_template} renders it: Jinja2's {@code trim_blocks} and {@code lstrip_blocks},
 * the variables {@code messages}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token} (and the other special tokens of the config), and the functions
 * {@code raise_exception} and {@code strftime_now}.
 *
 * <p>The engine is HubSpot's jinjava; {@link JinjaDialect} and {@link PythonStringMethods} bridge
 * the Python in HF templates that it reads otherwise. Like transformers' sandbox, a template can
 * call no Java method beyond jinjava's allowlist: it is data from a model directory, not code.
 *
 * <p>{@code strftime_now} formats the date given when the template was read (the day a run was
 * planned), not the clock at each render, so every worker renders the same prompt.
 */
public final class HfChatTemplate implements ChatTemplate {
  private static final long serialVersionUID = 1L;
  private static final String TODAY = "__spro_today";
  private static final String TOKENIZER_CONFIG = "tokenizer_config.json";

  private final String source;
  private final String origin;
  private final Map<String, String> specialTokens;
  private final String today;
  private transient Jinjava engine;
  private transient String jinjavaSource;

  HfChatTemplate(String source, String origin, Map<String, String> specialTokens, LocalDate today) {
    this.source = source;
    this.origin = origin;
    this.specialTokens = Map.copyOf(specialTokens);
    this.today = today.toString();
  }

  /** Whether {@code dir} holds a chat template ({@code chat_template.jinja} or one in {@code tokenizer_config.json}). */
  public static boolean exists(Path dir) {
    try {
      return Files.isRegularFile(dir.resolve("chat_template.jinja"))
          || !templateNode(tokenizerConfig(dir), dir).isMissingNode();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Reads the template of the tokenizer in {@code dir}: {@code chat_template.jinja} when there is
   * one (transformers 5 saves it so), else {@code tokenizer_config.json}'s {@code chat_template}
   * (a string, or a list of named templates of which {@code default} is taken). The special
   * tokens come from {@code tokenizer_config.json}. Checks that it renders a short conversation.
   */
  public static HfChatTemplate read(Path dir, LocalDate today) {
    Path jinja = dir.resolve("chat_template.jinja");
    JsonNode config = tokenizerConfig(dir);
    String text;
    String origin;
    try {
      if (Files.isRegularFile(jinja)) {
        text = Files.readString(jinja, StandardCharsets.UTF_8);
        origin = jinja.toString();
      } else {
        JsonNode node = templateNode(config, dir);
        if (node.isMissingNode()) {
          throw new IllegalArgumentException("no chat template in " + dir + ": neither chat_template.jinja nor a "
              + "chat_template key in tokenizer_config.json; use model.chatTemplate: plain or chatml");
        }
        text = node.asText();
        origin = dir.resolve(TOKENIZER_CONFIG) + " (chat_template)";
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the chat template of " + dir + ": " + e.getMessage(), e);
    }
    HfChatTemplate t = new HfChatTemplate(text, origin, specialTokens(config), today);
    t.render(List.of(new Message("system", "s"), new Message("user", "u")), true, Map.of()); // fails here, not in a worker
    return t;
  }

  /** {@code dir}'s tokenizer_config.json, read once; a missing node when there is none. */
  private static JsonNode tokenizerConfig(Path dir) {
    Path file = dir.resolve(TOKENIZER_CONFIG);
    if (!Files.isRegularFile(file)) {
      return MissingNode.getInstance();
    }
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The {@code chat_template} of a tokenizer config: a string, or the one named {@code default} of a list. */
  private static JsonNode templateNode(JsonNode config, Path dir) {
    JsonNode t = config.path("chat_template");
    if (t.isArray()) {
      for (JsonNode named : t) {
        if ("default".equals(named.path("name").asText())) {
          return named.path("template");
        }
      }
      throw new IllegalArgumentException(dir.resolve(TOKENIZER_CONFIG)
          + ": chat_template is a list of named templates without one named 'default'");
    }
    return t.isTextual() ? t : MissingNode.getInstance();
  }

  /**
   * The bos/eos/pad/unk tokens of {@code dir}'s {@code tokenizer_config.json} (each a string or an
   * added-token object with {@code content}), by key; empty without the file.
   */
  public static Map<String, String> specialTokens(Path dir) {
    return specialTokens(tokenizerConfig(dir));
  }

  private static Map<String, String> specialTokens(JsonNode config) {
    Map<String, String> tokens = new LinkedHashMap<>();
    for (String key : List.of("bos_token", "eos_token", "pad_token", "unk_token")) {
      JsonNode v = config.path(key);
      String text = v.isTextual() ? v.asText() : v.path("content").isTextual() ? v.path("content").asText() : null;
      if (text != null) {
        tokens.put(key, text);
      }
    }
    return tokens;
  }

  /** The file the template came from, for messages. */
  public String origin() {
    return origin;
  }

  @Override
  public String render(List<Message> messages) {
    return render(messages, true, Map.of());
  }

  /**
   * The prompt for {@code messages}; {@code variables} are the extra keyword arguments of
   * {@code apply_chat_template} (e.g. {@code enable_thinking}).
   */
  public String render(List<Message> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
    List<Map<String, Object>> chat = new ArrayList<>();
    for (Message m : messages) {
      Map<String, Object> turn = new HashMap<>();
      turn.put("role", m.role());
      turn.put("content", m.content());
      chat.add(turn);
    }
    Map<String, Object> context = new HashMap<>(specialTokens);
    context.putAll(variables);
    context.put("messages", chat);
    context.put("add_generation_prompt", addGenerationPrompt);
    context.put(TODAY, today);
    RenderResult r = engine().renderForResult(jinjavaSource, context);
    List<TemplateError> fatal = r.getErrors().stream()
        .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
    if (!fatal.isEmpty()) {
      throw new IllegalArgumentException("chat template " + origin + ": " + fatal.stream()
          .map(e -> (e.getLineno() > 0 ? "line " + e.getLineno() + ": " : "") + rootMessage(e))
          .collect(Collectors.joining("; ")));
    }
    return r.getOutput();
  }

  /** The template's own words when it raised an exception, else jinjava's message. */
  private static String rootMessage(TemplateError e) {
    for (Throwable t = e.getException(); t != null; t = t.getCause()) {
      if (t instanceof Refused) {
        return t.getMessage();
      }
    }
    return e.getMessage();
  }

  /** What {@code raise_exception} throws. */
  private static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }

  private synchronized Jinjava engine() {
    if (engine == null) {
      JinjavaConfig config = JinjavaConfig.newBuilder()
          .withTrimBlocks(true)
          .withLstripBlocks(true)
          .withFailOnUnknownTokens(false)
          .withLegacyOverrides(LegacyOverrides.newBuilder()
              .withUseNaturalOperatorPrecedence(true)
              .withParseWhitespaceControlStrictly(true)
              .withUseTrimmingForNotesAndExpressions(true)
              .withKeepNullableLoopValues(true)
              .withEvaluateMapKeys(true)
              .build())
          .withElResolver(new PythonStringMethods(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY))
          .build();
      Jinjava j = new Jinjava(config);
      j.getGlobalContext().registerFunction(
          new ELFunctionDefinition("", "raise_exception", HfChatTemplate.class, "raiseException", String.class));
      j.getGlobalContext().registerFunction(
          new ELFunctionDefinition("", "strftime_now", HfChatTemplate.class, "strftimeNow", String.class));
      try {
        jinjavaSource = JinjaDialect.toJinjava(source);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("chat template " + origin + ": " + e.getMessage(), e);
      }
      engine = j;
    }
    return engine;
  }

  /** {@code raise_exception(message)}: the template refuses the conversation. */
  public static String raiseException(String message) {
    throw new Refused("the template refused the conversation: " + message);
  }

  /** {@code strftime_now(format)}: the template's date (see the class comment) in a Python strftime format. */
  public static String strftimeNow(String format) {
    Object today = JinjavaInterpreter.getCurrent().getContext().get(TODAY);
    return strftime(LocalDate.parse(String.valueOf(today)), format);
  }

  /** Python's strftime for the date directives templates use (%d %m %Y %y %b %B %a %A %j %%); a time is midnight. */
  static String strftime(LocalDate date, String format) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 == format.length()) {
        out.append(c);
        continue;
      }
      char d = format.charAt(++i);
      out.append(switch (d) {
        case 'd' -> String.format(Locale.ROOT, "%02d", date.getDayOfMonth());
        case 'm' -> String.format(Locale.ROOT, "%02d", date.getMonthValue());
        case 'Y' -> String.valueOf(date.getYear());
        case 'y' -> String.format(Locale.ROOT, "%02d", date.getYear() % 100);
        case 'b' -> date.format(DateTimeFormatter.ofPattern("MMM", Locale.ENGLISH));
        case 'B' -> date.format(DateTimeFormatter.ofPattern("MMMM", Locale.ENGLISH));
        case 'a' -> date.format(DateTimeFormatter.ofPattern("EEE", Locale.ENGLISH));
        case 'A' -> date.format(DateTimeFormatter.ofPattern("EEEE", Locale.ENGLISH));
        case 'j' -> String.format(Locale.ROOT, "%03d", date.getDayOfYear());
        case 'H', 'M', 'S' -> "00";
        case '%' -> "%";
        default -> "%" + d;
      });
    }
    return out.toString();
  }
}
