package dev.spro.transforms.data;

import dev.spro.schemas.ChatMessage;
import dev.spro.schemas.Prompt;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * The verl row: {@code data_source} (string), {@code prompt} (list of {@code {role, content}}),
 * {@code ability} (string), {@code reward_model} ({@code {style, ground_truth}}), {@code
 * extra_info} (split, index, ... — a map, or a struct as pandas writes it).
 *
 * <p>{@link #toPrompt} accepts the variations real files have (a numeric or list ground truth,
 * extra_info as struct or map, missing optional columns) and throws {@link BadRow} naming the
 * field for anything else.
 */
public final class VerlRow {
  private VerlRow() {}

  /** A row that cannot become a prompt; {@code field} is the column (dotted for nested ones). */
  public static final class BadRow extends Exception {
    private final String field;

    public BadRow(String field, String reason) {
      super(reason);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }

  /** The schema we write verl rows with (extra_info as a string map). */
  public static final Schema SCHEMA =
      SchemaBuilder.record("verl_row").namespace("dev.spro.data").fields()
          .requiredString("data_source")
          .name("prompt").type().array().items(
              SchemaBuilder.record("message").fields().requiredString("content").requiredString("role").endRecord())
          .noDefault()
          .requiredString("ability")
          .name("reward_model").type(
              SchemaBuilder.record("reward_model").fields().requiredString("ground_truth").requiredString("style").endRecord())
          .noDefault()
          .name("extra_info").type().map().values().stringType().noDefault()
          .endRecord();

  /** A prompt as a verl row. */
  public static GenericRecord fromPrompt(Prompt p) {
    Schema messageSchema = SCHEMA.getField("prompt").schema().getElementType();
    List<GenericRecord> messages = new ArrayList<>();
    for (ChatMessage m : p.getMessages()) {
      GenericRecord r = new GenericData.Record(messageSchema);
      r.put("content", m.getContent());
      r.put("role", m.getRole());
      messages.add(r);
    }
    GenericRecord reward = new GenericData.Record(SCHEMA.getField("reward_model").schema());
    reward.put("ground_truth", p.getGroundTruth());
    reward.put("style", p.getRewardStyle());
    GenericRecord row = new GenericData.Record(SCHEMA);
    row.put("data_source", p.getDataSource());
    row.put("prompt", messages);
    row.put("ability", p.getAbility());
    row.put("reward_model", reward);
    row.put("extra_info", new LinkedHashMap<>(p.getExtraInfo()));
    return row;
  }

  /**
   * A verl row as a prompt; {@code row} is a Parquet/Avro {@link GenericRecord} or a JSON object
   * parsed to a {@link Map} (nested structs likewise). {@code id} is the prompt's stable id and
   * {@code origin} where the row came from (file:row).
   */
  public static Prompt toPrompt(Object row, String id, String origin) throws BadRow {
    String dataSource = requiredString(row, "data_source");
    Object promptField = field(row, "prompt");
    if (!(promptField instanceof Collection<?> list)) {
      throw new BadRow("prompt", "must be a list of {role, content} messages, was " + typeOf(promptField));
    }
    List<ChatMessage> messages = new ArrayList<>();
    int i = 0;
    for (Object msg : list) {
      if (!isStruct(msg)) {
        throw new BadRow("prompt[" + i + "]", "must be a {role, content} message, was " + typeOf(msg));
      }
      Object role = field(msg, "role");
      Object content = field(msg, "content");
      if (!(role instanceof CharSequence) || !(content instanceof CharSequence)) {
        throw new BadRow("prompt[" + i + "]", "role and content must be strings");
      }
      messages.add(new ChatMessage(role.toString(), content.toString()));
      i++;
    }
    if (messages.isEmpty() || messages.stream().allMatch(m -> m.getContent().isBlank())) {
      throw new BadRow("prompt", "is empty: no message has any content");
    }
    Object rewardModel = field(row, "reward_model");
    if (!isStruct(rewardModel)) {
      throw new BadRow("reward_model", "must be a {style, ground_truth} struct, was " + typeOf(rewardModel));
    }
    String groundTruth = groundTruth(field(rewardModel, "ground_truth"));
    Object style = field(rewardModel, "style");
    Object ability = field(row, "ability");
    Map<String, String> extra = extraInfo(field(row, "extra_info"));
    return Prompt.newBuilder()
        .setId(id)
        .setDataSource(dataSource)
        .setMessages(messages)
        .setGroundTruth(groundTruth)
        .setRewardStyle(style == null ? "rule" : style.toString())
        .setAbility(ability == null ? "" : ability.toString())
        .setExtraInfo(extra)
        .setOrigin(origin)
        .build();
  }

  private static boolean isStruct(Object v) {
    return v instanceof GenericRecord || v instanceof Map;
  }

  /** A field of a record or of a JSON object; null when absent. */
  private static Object field(Object r, String name) {
    if (r instanceof GenericRecord g) {
      return g.getSchema().getField(name) == null ? null : g.get(name);
    }
    return r instanceof Map<?, ?> m ? m.get(name) : null;
  }

  private static String requiredString(Object r, String name) throws BadRow {
    Object v = field(r, name);
    if (!(v instanceof CharSequence) || v.toString().isEmpty()) {
      throw new BadRow(name, "must be a non-empty string, was " + typeOf(v));
    }
    return v.toString();
  }

  /** Ground truths come as strings, numbers, or lists (several accepted answers: joined by ","). */
  private static String groundTruth(Object v) throws BadRow {
    if (v instanceof CharSequence || v instanceof Number) {
      String s = v.toString();
      if (s.isBlank()) {
        throw new BadRow("reward_model.ground_truth", "is empty");
      }
      return s;
    }
    if (v instanceof Collection<?> c && !c.isEmpty()) {
      List<String> parts = new ArrayList<>();
      for (Object o : c) {
        parts.add(String.valueOf(o));
      }
      return String.join(",", parts);
    }
    throw new BadRow("reward_model.ground_truth", "must be a string, number or list, was " + typeOf(v));
  }

  private static Map<String, String> extraInfo(Object v) throws BadRow {
    Map<String, String> out = new LinkedHashMap<>();
    if (v == null) {
      return out;
    }
    if (v instanceof Map<?, ?> m) {
      m.forEach((k, val) -> out.put(k.toString(), String.valueOf(val)));
    } else if (v instanceof GenericRecord r) {
      for (Schema.Field f : r.getSchema().getFields()) {
        Object val = r.get(f.name());
        if (val != null) {
          out.put(f.name(), val instanceof Utf8 ? val.toString() : String.valueOf(val));
        }
      }
    } else {
      throw new BadRow("extra_info", "must be a map or struct, was " + typeOf(v));
    }
    return out;
  }

  static String typeOf(Object v) {
    return v == null ? "missing" : v.getClass().getSimpleName();
  }
}
