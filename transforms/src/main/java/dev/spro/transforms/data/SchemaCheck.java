package dev.spro.transforms.data;

import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Checks a Parquet file's columns before a run starts, so a missing or mistyped column fails at
 * once with the file and column named, instead of as a thousand rejected rows (or an hour into a
 * run, the most common failure users of other trainers report).
 */
public final class SchemaCheck {
  private SchemaCheck() {}

  /** Throws {@link IllegalArgumentException} naming {@code name} and the column if the schema is not a verl row's. */
  public static void check(InputFile input, String name) throws IOException {
    MessageType parquet;
    try (ParquetFileReader reader = ParquetFileReader.open(input)) {
      parquet = reader.getFooter().getFileMetaData().getSchema();
    } catch (RuntimeException | IOException e) {
      throw new IllegalArgumentException("prompt file " + name + " is not a readable Parquet file: " + e.getMessage(), e);
    }
    Schema schema = new AvroSchemaConverter().convert(parquet);
    require(name, schema, "data_source", Schema.Type.STRING);
    Schema prompt = require(name, schema, "prompt", Schema.Type.ARRAY);
    Schema message = nonNull(prompt.getElementType());
    if (message.getType() != Schema.Type.RECORD || message.getField("role") == null || message.getField("content") == null) {
      throw bad(name, "prompt", "must be a list of {role, content} structs, is " + describe(prompt));
    }
    Schema reward = require(name, schema, "reward_model", Schema.Type.RECORD);
    if (reward.getField("ground_truth") == null) {
      throw bad(name, "reward_model.ground_truth", "is missing");
    }
    if (schema.getField("ability") != null) {
      require(name, schema, "ability", Schema.Type.STRING);
    }
  }

  private static Schema require(String file, Schema record, String column, Schema.Type type) {
    Schema.Field f = record.getField(column);
    if (f == null) {
      throw bad(file, column, "is missing (columns: " + record.getFields().stream().map(Schema.Field::name).toList() + ")");
    }
    Schema s = nonNull(f.schema());
    if (s.getType() != type) {
      throw bad(file, column, "has type " + describe(s) + ", expected " + type.getName());
    }
    return s;
  }

  private static Schema nonNull(Schema s) {
    if (s.getType() == Schema.Type.UNION) {
      for (Schema branch : s.getTypes()) {
        if (branch.getType() != Schema.Type.NULL) {
          return branch;
        }
      }
    }
    return s;
  }

  private static String describe(Schema s) {
    return s.getType() == Schema.Type.ARRAY ? "list<" + describe(nonNull(s.getElementType())) + ">" : s.getType().getName();
  }

  private static IllegalArgumentException bad(String file, String column, String message) {
    return new IllegalArgumentException("prompt file " + file + ": column '" + column + "' " + message);
  }
}
