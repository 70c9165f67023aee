package dev.spro.transforms.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.schemas.ChatMessage;
import dev.spro.schemas.Prompt;
import dev.spro.schemas.RejectedRow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The original GSM8K JSONL ({@code question}, {@code answer} ending in {@code #### <number>}) to
 * verl rows, as verl's own preprocessing does: ground truth is the number after {@code ####} with
 * commas removed, and the question gets the usual instruction to put the final answer after
 * {@code ####}.
 */
public final class Gsm8k {
  public static final String DATA_SOURCE = "openai/gsm8k";
  public static final String INSTRUCTION = "Let's think step by step and output the final answer after \"####\".";
  private static final Pattern FINAL = Pattern.compile("#### (\\-?[0-9\\.\\,]+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  private Gsm8k() {}

  /** The conversion of a file: prompts in order, and the lines that could not be converted. */
  public record Converted(List<Prompt> prompts, List<RejectedRow> rejected) {}

  /** The ground truth of a reference solution: the number after its last {@code ####}, commas removed. */
  public static String groundTruth(String answer) {
    Matcher m = FINAL.matcher(answer);
    String last = null;
    while (m.find()) {
      last = m.group(1);
    }
    return last == null ? null : last.replace(",", "");
  }

  /** Converts {@code in}; {@code split} goes to extra_info (train or test). */
  public static Converted convert(Path in, String split) {
    List<Prompt> prompts = new ArrayList<>();
    List<RejectedRow> rejected = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(in)) {
      long line = 0;
      for (String text = reader.readLine(); text != null; text = reader.readLine()) {
        line++;
        if (text.isBlank()) {
          continue;
        }
        JsonNode n;
        try {
          n = JSON.readTree(text);
        } catch (IOException e) {
          rejected.add(new RejectedRow(in.toString(), line, "", "not JSON: " + e.getMessage()));
          continue;
        }
        JsonNode question = n.get("question");
        JsonNode answer = n.get("answer");
        if (question == null || !question.isTextual() || question.asText().isBlank()) {
          rejected.add(new RejectedRow(in.toString(), line, "question", "missing or not a string"));
          continue;
        }
        if (answer == null || !answer.isTextual()) {
          rejected.add(new RejectedRow(in.toString(), line, "answer", "missing or not a string"));
          continue;
        }
        String truth = groundTruth(answer.asText());
        if (truth == null) {
          rejected.add(new RejectedRow(in.toString(), line, "answer", "has no '#### <number>' final answer"));
          continue;
        }
        long index = prompts.size();
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("split", split);
        extra.put("index", Long.toString(index));
        extra.put("answer", answer.asText());
        extra.put("question", question.asText());
        prompts.add(Prompt.newBuilder()
            .setId(String.format(java.util.Locale.ROOT, "gsm8k-%s-%06d", split, index))
            .setDataSource(DATA_SOURCE)
            .setMessages(List.of(new ChatMessage("user", question.asText() + " " + INSTRUCTION)))
            .setGroundTruth(truth)
            .setRewardStyle("rule")
            .setAbility("math")
            .setExtraInfo(extra)
            .setOrigin(in + ":" + line)
            .build());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read GSM8K file " + in + ": " + e.getMessage(), e);
    }
    return new Converted(prompts, rejected);
  }
}
