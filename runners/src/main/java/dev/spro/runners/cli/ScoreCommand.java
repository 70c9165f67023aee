package dev.spro.runners.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spro.transforms.reward.Verifier;
import dev.spro.transforms.reward.VerifierRegistry;
import dev.spro.models.io.AtomicFiles;
import dev.spro.pipelines.config.ConfigException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spro score}: runs the registered verifiers over labelled rows and writes each row back
 * with its score and extracted answer — how a user audits a reward function on labelled data
 * before a run.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
    description = {"Scores JSONL rows (data_source, response, ground_truth) with the registered verifiers.",
        "Each row is written back with 'score' and 'extracted_answer'; a row that cannot be scored is",
        "written back with 'error' (file, line and field) and makes the command exit 1. Prints a",
        "summary: rows and mean score per data_source."})
public final class ScoreCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--in", paramLabel = "FILE", required = true, description = "Rows to score (JSONL).")
  Path in;

  @Option(names = "--out", paramLabel = "FILE", required = true, description = "Scored rows (JSONL).")
  Path out;

  @Option(names = "--verifier", paramLabel = "SOURCE=CLASS",
      description = "A custom verifier class (on the classpath) for a data_source; repeatable.")
  Map<String, String> custom = new LinkedHashMap<>();

  @Option(names = "--strict", description = "Fail rows whose data_source has no verifier, instead of exact match.")
  boolean strict;

  @Override
  public Integer call() throws IOException {
    refuseSameFile(in, out);
    VerifierRegistry registry = VerifierRegistry.standard(!strict);
    custom.forEach(registry::registerClass);
    Map<String, double[]> perSource = new LinkedHashMap<>();
    int[] errors = {0};
    // All of the output or none of it: a bad byte on line 9,000 leaves yesterday's file in place.
    AtomicFiles.write(out, stream -> {
      BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
      CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
      try (InputStream reader = new BufferedInputStream(Files.newInputStream(in), 1 << 16)) {
        long line = 0;
        for (String text = readLine(reader, utf8, line + 1); text != null; text = readLine(reader, utf8, line + 1)) {
          line++;
          if (text.isBlank()) {
            continue;
          }
          ObjectNode row = scoreRow(registry, text, line, perSource);
          if (row.has("error")) {
            errors[0]++;
            System.err.println(row.get("error").asText());
          }
          writer.write(JSON.writeValueAsString(row));
          writer.newLine();
        }
      }
      writer.flush();
    });
    perSource.forEach((source, s) -> System.out.printf("%-40s %6d rows  mean score %.4f%n", source, (long) s[0], s[1] / s[0]));
    System.out.printf("wrote %s%s%n", out, errors[0] > 0 ? " (" + errors[0] + " rows with errors)" : "");
    return errors[0] > 0 ? 1 : 0;
  }

  /** One input line scored, or written back with an 'error' that names the file and line. */
  private ObjectNode scoreRow(VerifierRegistry registry, String text, long line, Map<String, double[]> perSource) {
    ObjectNode row;
    String error = null;
    try {
      JsonNode n = JSON.readTree(text);
      row = n instanceof ObjectNode o ? o : JSON.createObjectNode().set("row", n);
    } catch (IOException e) {
      row = JSON.createObjectNode().put("raw", text);
      error = "not JSON";
    }
    if (error == null) {
      error = missing(row, "data_source", "response", "ground_truth");
    }
    if (error == null) {
      try {
        String source = row.get("data_source").asText();
        Verifier.Result r = registry.get(source).verify(row.get("response").asText(), row.get("ground_truth").asText());
        row.put("score", r.score());
        row.put("extracted_answer", r.extracted());
        double[] s = perSource.computeIfAbsent(source, k -> new double[2]);
        s[0]++;
        s[1] += r.score();
      } catch (IllegalArgumentException e) {
        error = e.getMessage();
      }
    }
    if (error != null) {
      row.put("error", in + ":" + line + ": " + error);
    }
    return row;
  }

  /** {@code --out} naming the input (also through a link or another spelling) would empty it. */
  static void refuseSameFile(Path in, Path out) throws IOException {
    if (!Files.isRegularFile(in)) {
      throw new ConfigException(in.toString(), "--in does not exist or is not a file");
    }
    if (Files.exists(out) && Files.isSameFile(in, out)) {
      throw new ConfigException(out.toString(), "--out is the input file " + in
          + "; scoring it in place would overwrite the rows being read. Write to another file.");
    }
  }

  /**
   * The next line, decoded strictly; null at the end. Lines are split as bytes and decoded one at
   * a time, so a byte sequence that is not UTF-8 is named by its own line (a reader decoding
   * ahead in blocks would blame the first line of its block).
   */
  private String readLine(InputStream bytes, CharsetDecoder utf8, long line) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int b;
    while ((b = bytes.read()) >= 0 && b != '\n') {
      buf.write(b);
    }
    if (b < 0 && buf.size() == 0) {
      return null;
    }
    try {
      String text = utf8.decode(ByteBuffer.wrap(buf.toByteArray())).toString();
      return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    } catch (CharacterCodingException e) {
      throw new ConfigException(in + ":" + line, "is not valid UTF-8 (" + e + "); convert the file to UTF-8, "
          + "e.g. iconv -f latin1 -t utf-8. Nothing was written to " + out + ".");
    }
  }

  private static String missing(ObjectNode row, String... fields) {
    for (String f : fields) {
      if (!row.hasNonNull(f) || !row.get(f).isValueNode()) {
        return "field '" + f + "' is missing or not a value";
      }
    }
    return null;
  }
}
