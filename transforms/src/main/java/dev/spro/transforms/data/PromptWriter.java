package dev.spro.transforms.data;

import dev.spro.schemas.Prompt;
import dev.spro.schemas.io.ParquetFiles;
import java.nio.file.Path;
import java.util.List;

/** Writes prompts as verl Parquet rows. */
public final class PromptWriter {
  private PromptWriter() {}

  public static void writeParquet(Path file, List<Prompt> prompts) {
    ParquetFiles.writeGeneric(file, VerlRow.SCHEMA, prompts.stream().map(VerlRow::fromPrompt).toList());
  }
}
