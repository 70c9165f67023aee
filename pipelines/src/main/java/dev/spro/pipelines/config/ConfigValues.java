package dev.spro.pipelines.config;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.spro.models.engine.DeviceChoice;
import dev.spro.models.train.LrSchedule;
import dev.spro.transforms.loss.KlEstimator;
import dev.spro.transforms.loss.LossAggregation;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How the config's typed values are spelled in YAML: each enum by its config name (lower case,
 * verl's names for loss aggregation and the KL estimator), read and written the same way so the
 * frozen {@code run.yaml} round-trips. An unknown spelling fails naming the allowed ones.
 */
final class ConfigValues {
  private ConfigValues() {}

  static SimpleModule module() {
    SimpleModule m = new SimpleModule("spro-config-values");
    add(m, LossAggregation.class, LossAggregation::configName);
    add(m, KlEstimator.class, e -> e.name().toLowerCase(Locale.ROOT), KlEstimator::of);
    add(m, LrSchedule.Kind.class, ConfigValues::lower);
    add(m, DeviceChoice.Setting.class, ConfigValues::lower);
    return m;
  }

  /** The allowed spellings of {@code type}, for messages and docs. */
  static <E extends Enum<E>> String allowed(Class<E> type, Function<E, String> name) {
    return Arrays.stream(type.getEnumConstants()).map(name).collect(Collectors.joining(", "));
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  private static <E extends Enum<E>> void add(SimpleModule m, Class<E> type, Function<E, String> name) {
    add(m, type, name, null);
  }

  /** {@code parse}, when given, also accepts aliases (it throws IllegalArgumentException on anything else). */
  private static <E extends Enum<E>> void add(SimpleModule m, Class<E> type, Function<E, String> name,
      Function<String, E> parse) {
    m.addSerializer(type, new StdSerializer<E>(type) {
      @Override
      public void serialize(E value, JsonGenerator gen, SerializerProvider provider) throws IOException {
        gen.writeString(name.apply(value));
      }
    });
    m.addDeserializer(type, new StdDeserializer<E>(type) {
      @Override
      public E deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        String text = p.getValueAsString();
        String key = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
          if (name.apply(e).equals(key)) {
            return e;
          }
        }
        if (parse != null && text != null) {
          try {
            return parse.apply(text);
          } catch (IllegalArgumentException ignored) {
            // fall through to the message that lists the config names
          }
        }
        throw InvalidFormatException.from(p, "'" + text + "' is not one of " + allowed(type, name), text, type);
      }
    });
  }
}
