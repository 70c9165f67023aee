package dev.spro.schemas.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;

/**
 * Parquet files of Avro records, on the local file system, without Hadoop paths.
 *
 * <p>Generated records are written and read back as the same class; generic records (for
 * example verl rows, whose schema is not one of ours) through {@link #writeGeneric} and {@link
 * #readGeneric}.
 */
public final class ParquetFiles {
  private ParquetFiles() {}

  /** Writes generated records to {@code file} (snappy), replacing it. */
  public static <T extends SpecificRecord> void write(Path file, Schema schema, Iterable<T> records) {
    writeWith(file, schema, records, SpecificData.get());
  }

  /** Writes generic records to {@code file} (snappy), replacing it. */
  public static void writeGeneric(Path file, Schema schema, Iterable<? extends IndexedRecord> records) {
    writeWith(file, schema, records, GenericData.get());
  }

  private static <T> void writeWith(Path file, Schema schema, Iterable<T> records, GenericData model) {
    try (ParquetWriter<T> writer =
        AvroParquetWriter.<T>builder(new LocalOutputFile(file))
            .withSchema(schema)
            .withDataModel(model)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
      for (T record : records) {
        writer.write(record);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write Parquet file " + file, e);
    }
  }

  /** Reads every row of {@code file} as the generated class {@code type}. */
  public static <T extends SpecificRecord> List<T> read(Path file, Class<T> type) {
    return readWith(file, new SpecificData(type.getClassLoader()));
  }

  /** Reads every row of {@code file} as generic records with the file's own schema. */
  public static List<GenericData.Record> readGeneric(Path file) {
    return readWith(file, GenericData.get());
  }

  private static <T> List<T> readWith(Path file, GenericData model) {
    List<T> out = new ArrayList<>();
    try (ParquetReader<T> reader =
        AvroParquetReader.<T>builder(new LocalInputFile(file)).withDataModel(model).build()) {
      for (T row = reader.read(); row != null; row = reader.read()) {
        out.add(row);
      }
    } catch (IOException | RuntimeException e) {
      throw new UncheckedIOException(
          "cannot read Parquet file " + file + ": " + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    }
    return out;
  }
}
