package dev.spro.runners.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spro.transforms.reward.Verifier;
import dev.spro.transforms.reward.VerifierRegistry;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
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
    VerifierRegistry registry = VerifierRegistry.standard(!strict);
    custom.forEach(registry::registerClass);
    Map<String, double[]> perSource = new LinkedHashMap<>();
    int errors = 0;
    long line = 0;
    try (BufferedReader reader = Files.newBufferedReader(in); BufferedWriter writer = Files.newBufferedWriter(out)) {
      for (String text = reader.readLine(); text != null; text = reader.readLine()) {
        line++;
        if (text.isBlank()) {
          continue;
        }
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
          errors++;
          row.put("error", in + ":" + line + ": " + error);
          System.err.println(in + ":" + line + ": " + error);
        }
        writer.write(JSON.writeValueAsString(row));
        writer.newLine();
      }
    }
    perSource.forEach((source, s) -> System.out.printf("%-40s %6d rows  mean score %.4f%n", source, (long) s[0], s[1] / s[0]));
    System.out.printf("wrote %s%s%n", out, errors > 0 ? " (" + errors + " rows with errors)" : "");
    return errors > 0 ? 1 : 0;
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
