package dev.spro.transforms.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.schemas.Prompt;
import dev.spro.schemas.RejectedRow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.LocalInputFile;

/**
 * Reads prompt files — verl Parquet ({@code .parquet}) or JSONL (anything else) — row by row into
 * prompts, quarantining every bad row with its file, row number and field. Nothing is dropped
 * silently: each row ends up in exactly one of the two outputs.
 */
public final class PromptFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PromptFiles() {}

  /** What reading a file gave. */
  public record Result(List<Prompt> prompts, List<RejectedRow> rejected) {}

  /** Reads a local file into lists. */
  public static Result read(Path file) {
    List<Prompt> prompts = new ArrayList<>();
    List<RejectedRow> rejected = new ArrayList<>();
    try {
      if (isParquet(file.toString())) {
        SchemaCheck.check(new LocalInputFile(file), file.toString());
        readParquet(new LocalInputFile(file), file.toString(), prompts::add, rejected::add);
      } else {
        try (InputStream in = Files.newInputStream(file)) {
          readJsonl(in, file.toString(), prompts::add, rejected::add);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read prompt file " + file + ": " + e.getMessage(), e);
    }
    return new Result(prompts, rejected);
  }

  public static boolean isParquet(String name) {
    return name.endsWith(".parquet");
  }

  /** Streams a Parquet file's rows (1-based row numbers) to the two consumers. */
  public static void readParquet(InputFile input, String name, Consumer<Prompt> good, Consumer<RejectedRow> bad)
      throws IOException {
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(input).withDataModel(GenericData.get()).build()) {
      long row = 0;
      for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
        row++;
        accept(r, name, row, good, bad);
      }
    }
  }

  /** Streams a JSONL file's lines (1-based line numbers; blank lines skipped) to the two consumers. */
  public static void readJsonl(InputStream in, String name, Consumer<Prompt> good, Consumer<RejectedRow> bad)
      throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    long line = 0;
    for (String text = reader.readLine(); text != null; text = reader.readLine()) {
      line++;
      if (text.isBlank()) {
        continue;
      }
      Map<String, Object> object;
      try {
        object = JSON.readValue(text, new TypeReference<Map<String, Object>>() {});
      } catch (JsonProcessingException e) {
        bad.accept(new RejectedRow(name, line, "", "not a JSON object: " + e.getOriginalMessage()));
        continue;
      }
      accept(object, name, line, good, bad);
    }
  }

  private static void accept(Object row, String name, long number, Consumer<Prompt> good, Consumer<RejectedRow> bad) {
    try {
      good.accept(VerlRow.toPrompt(row, PromptIds.of(name, number), name + ":" + number));
    } catch (VerlRow.BadRow e) {
      bad.accept(new RejectedRow(name, number, e.field(), e.getMessage()));
    }
  }
}
