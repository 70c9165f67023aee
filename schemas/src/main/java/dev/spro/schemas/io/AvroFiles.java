package dev.spro.schemas.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/** Avro container files of generated (specific) records. */
public final class AvroFiles {
  private AvroFiles() {}

  /** Writes {@code records} to {@code file} (deflate-compressed), replacing it. */
  public static <T extends SpecificRecord> void write(Path file, Schema schema, Iterable<T> records) {
    try (DataFileWriter<T> writer = new DataFileWriter<>(new SpecificDatumWriter<T>(schema))) {
      writer.setCodec(CodecFactory.deflateCodec(6));
      writer.create(schema, file.toFile());
      for (T record : records) {
        writer.append(record);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write Avro file " + file, e);
    }
  }

  /**
   * Writes {@code records} of {@code type} to {@code out} as one Avro container file
   * (deflate-compressed, as {@link #write(Path, Schema, Iterable)}); closes {@code out}.
   */
  public static <T extends SpecificRecord> void write(OutputStream out, Class<T> type, Iterable<T> records)
      throws IOException {
    Schema schema = SpecificData.get().getSchema(type);
    try (DataFileWriter<T> writer = new DataFileWriter<>(new SpecificDatumWriter<T>(schema))) {
      writer.setCodec(CodecFactory.deflateCodec(6));
      writer.create(schema, out);
      for (T record : records) {
        writer.append(record);
      }
    }
  }

  /** Reads every record of {@code file} as {@code type}. */
  public static <T extends SpecificRecord> List<T> read(Path file, Class<T> type) {
    List<T> out = new ArrayList<>();
    try (DataFileReader<T> reader =
        new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(type))) {
      for (T record : reader) {
        out.add(record);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read Avro file " + file + ": " + e.getMessage(), e);
    }
    return out;
  }
}
