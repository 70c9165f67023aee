package dev.spro.runners.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.models.config.GenerationConfig;
import dev.spro.models.nn.Transformer;
import dev.spro.models.sampling.Generation;
import dev.spro.models.sampling.Generator;
import dev.spro.models.sampling.SamplingParams;
import dev.spro.models.tokenizer.TextTokenizer;
import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.run.RunPlan;
import dev.spro.schemas.ChatMessage;
import dev.spro.schemas.Prompt;
import dev.spro.transforms.data.PromptFiles;
import dev.spro.transforms.stages.ModelSpec;
import dev.spro.transforms.stages.Seeds;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spro sample}: responses of a checkpoint to prompts, as JSONL — one line per response with
 * the prompt as the model saw it, the response, its token count, why it ended and its log-prob.
 * Draws are seeded by (seed, prompt id, sample index), so the same command gives the same lines.
 */
@Command(name = "sample", mixinStandardHelpOptions = true,
    description = {"Samples responses from a checkpoint for prompts from --prompt, verl Parquet/JSONL files",
        "(--data) or standard input (one prompt per line: text, or a JSON object with a 'prompt' list of",
        "{role, content}), rendered with the config's chat template; writes JSONL to --out or standard output."})
public final class SampleCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--checkpoint", paramLabel = "DIR", required = true, description = "Checkpoint directory.")
  Path checkpoint;

  @Option(names = "--config", paramLabel = "FILE", description = "The run's config (tokenizer, chat template, sampling); default: a model directory's own tokenizer and template, else the defaults.")
  Path config;

  @Option(names = "--prompt", paramLabel = "TEXT", description = "A prompt (a user message); repeatable.")
  List<String> prompts;

  @Option(names = "--data", paramLabel = "FILE", description = "A verl Parquet or JSONL file of prompts.")
  Path data;

  @Option(names = {"--n", "--samples"}, paramLabel = "N", defaultValue = "1", description = "Responses per prompt (default ${DEFAULT-VALUE}).")
  int n;

  @Option(names = "--temperature", paramLabel = "T", description = "0: greedy; default: sampling.temperature of the config.")
  Double temperature;

  @Option(names = "--top-k", paramLabel = "K", description = "Default: sampling.topK of the config (0: off).")
  Integer topK;

  @Option(names = "--top-p", paramLabel = "P", description = "Default: sampling.topP of the config (1: off).")
  Double topP;

  @Option(names = "--max-new-tokens", paramLabel = "N", description = "Default: sampling.maxNewTokens of the config.")
  Integer maxNewTokens;

  @Option(names = "--seed", paramLabel = "S", description = "Default: run.seed of the config.")
  Long seed;

  @Option(names = "--out", paramLabel = "FILE", description = "Where the JSONL goes (default: standard output).")
  Path out;

  @Override
  public Integer call() throws Exception {
    RunConfig c = CheckpointConfig.load(config, checkpoint);
    boolean greedy = generationDefaults(c);
    if (temperature != null) {
      c.sampling.temperature = temperature;
    }
    if (topK != null) {
      c.sampling.topK = topK;
    }
    if (topP != null) {
      c.sampling.topP = topP;
    }
    if (maxNewTokens != null) {
      c.sampling.maxNewTokens = maxNewTokens;
    }
    if (n < 1) {
      throw new ConfigException("--n", "must be at least 1, was " + n);
    }
    long runSeed = seed != null ? seed : c.run.seed;
    greedy = temperature != null ? temperature == 0 : greedy;
    if (greedy) {
      c.sampling.temperature = 1; // the config's range check; the greedy params below ignore it
    }
    RunPlan plan = RunPlan.resolve(c); // tokenizer, template and stop tokens checked, as for a run
    SamplingParams params = greedy ? plan.greedy() : plan.sampling();
    List<Prompt> input = readPrompts(); // bad input stops here, before the model loads
    CheckpointIntegrity.verify(checkpoint);
    ModelSpec spec = plan.spec();
    PrintStream lines = out == null ? System.out
        : new PrintStream(Files.newOutputStream(out), false, StandardCharsets.UTF_8);
    try (Transformer policy = spec.load(checkpoint);
        TextTokenizer tokenizer = spec.newTokenizer(policy.config().vocabSize())) {
      List<Prompt> rowPrompt = new ArrayList<>();
      List<Integer> rowSample = new ArrayList<>();
      for (Prompt p : input) {
        for (int i = 0; i < n; i++) {
          rowPrompt.add(p);
          rowSample.add(i);
        }
      }
      int batch = Math.max(1, c.sampling.batchRows);
      for (int from = 0; from < rowPrompt.size(); from += batch) {
        int to = Math.min(rowPrompt.size(), from + batch);
        List<int[]> tokens = new ArrayList<>();
        long[] seeds = new long[to - from];
        for (int r = from; r < to; r++) {
          tokens.add(spec.encodePrompt(tokenizer, rowPrompt.get(r)));
          seeds[r - from] = Seeds.sample(runSeed, -1, rowPrompt.get(r).getId(), rowSample.get(r));
        }
        List<Generation> gens = Generator.generate(policy, spec.manager(), tokens, seeds,
            params.withVocabLimit(tokenizer.tokenCount()), tokenizer.padId());
        for (int r = from; r < to; r++) {
          Prompt p = rowPrompt.get(r);
          Generation g = gens.get(r - from);
          double logProb = 0;
          for (float lp : g.samplerLogProbs()) {
            logProb += lp;
          }
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("id", p.getId());
          line.put("sample", rowSample.get(r));
          line.put("data_source", p.getDataSource());
          line.put("prompt", spec.chatTemplate().render(messages(p)));
          line.put("response", tokenizer.decode(g.tokens()));
          line.put("response_tokens", g.tokens().length);
          line.put("finish_reason", g.stopped() ? "stop" : "length");
          line.put("logprob", logProb);
          line.put("seed", seeds[r - from]);
          lines.println(JSON.writeValueAsString(line));
        }
      }
    } finally {
      if (out != null) {
        lines.close();
      } else {
        lines.flush();
      }
    }
    return 0;
  }

  /**
   * The checkpoint's {@code generation_config.json} sampling defaults ({@code do_sample},
   * {@code temperature}, {@code top_k}, {@code top_p}) in place of the config's, as transformers'
   * {@code generate} uses them; the flags still win. Returns whether they ask for greedy decoding.
   */
  private boolean generationDefaults(RunConfig c) {
    GenerationConfig g;
    try {
      g = GenerationConfig.read(checkpoint);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--checkpoint " + checkpoint, e.getMessage(), e);
    }
    if (!g.hasSamplingDefaults()) {
      return false;
    }
    List<String> used = new ArrayList<>();
    if (g.temperature() != null && g.temperature() > 0) {
      c.sampling.temperature = g.temperature();
      used.add("temperature " + g.temperature());
    }
    if (g.topK() != null) {
      c.sampling.topK = g.topK();
      used.add("top_k " + g.topK());
    }
    if (g.topP() != null) {
      c.sampling.topP = g.topP();
      used.add("top_p " + g.topP());
    }
    boolean greedy = Boolean.FALSE.equals(g.doSample());
    System.err.println("spro sample: the checkpoint's " + GenerationConfig.FILE + ": "
        + (greedy ? "do_sample false (greedy)" : String.join(", ", used)) + "; flags override");
    return greedy;
  }

  private static List<dev.spro.models.tokenizer.ChatTemplate.Message> messages(Prompt p) {
    return p.getMessages().stream().map(m -> new dev.spro.models.tokenizer.ChatTemplate.Message(m.getRole(),
        m.getContent())).toList();
  }

  /** The prompts of --prompt, else of --data, else of standard input; ids {@code prompt-000000}... for the first and last. */
  private List<Prompt> readPrompts() throws IOException {
    List<Prompt> result = new ArrayList<>();
    if (prompts != null && !prompts.isEmpty()) {
      prompts.forEach(text -> result.add(prompt(result.size(), List.of(new ChatMessage("user", text)))));
      return result;
    }
    if (data != null) {
      PromptFiles.Result r;
      try {
        r = PromptFiles.read(data);
      } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
        throw new ConfigException("--data " + data, e.getMessage(), e);
      }
      if (!r.rejected().isEmpty()) {
        var b = r.rejected().get(0);
        System.err.printf("spro sample: %d rows of %s skipped (first: row %d, %s: %s)%n", r.rejected().size(), data,
            b.getRow(), b.getField(), b.getReason());
      }
      if (r.prompts().isEmpty()) {
        throw new ConfigException("--data " + data, "has no usable row");
      }
      return r.prompts();
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    int lineNo = 0;
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      result.add(prompt(result.size(), stdinMessages(line, lineNo)));
    }
    if (result.isEmpty()) {
      throw new ConfigException("standard input", "no prompt: give --prompt TEXT, --data FILE, or prompts on standard input");
    }
    return result;
  }

  /** A line of standard input: a JSON object with a {@code prompt} list of {role, content}, or text (one user message). */
  static List<ChatMessage> stdinMessages(String line, int lineNo) {
    if (!line.stripLeading().startsWith("{")) {
      return List.of(new ChatMessage("user", line));
    }
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (IOException e) {
      throw new ConfigException("standard input line " + lineNo, "is not a JSON object: " + e.getMessage(), e);
    }
    JsonNode list = node.path("prompt");
    if (!list.isArray() || list.isEmpty()) {
      throw new ConfigException("standard input line " + lineNo, "needs a 'prompt' list of {role, content} messages");
    }
    List<ChatMessage> messages = new ArrayList<>();
    for (JsonNode m : list) {
      if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
        throw new ConfigException("standard input line " + lineNo, "each message of 'prompt' needs string role and content");
      }
      messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
    }
    return messages;
  }

  private static Prompt prompt(int index, List<ChatMessage> messages) {
    return Prompt.newBuilder().setId(String.format(Locale.ROOT, "prompt-%06d", index)).setDataSource("")
        .setMessages(messages).setGroundTruth("").build();
  }
}
