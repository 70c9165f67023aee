package dev.spro.runners.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.pipelines.config.ConfigException;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.flink.LocalFlinkCluster;
import dev.spro.pipelines.run.Evaluation;
import dev.spro.pipelines.run.RunPlan;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spro eval}: accuracy of a checkpoint on test prompts — a user's verl Parquet/JSONL files
 * or the built-in task's test split — per data source, as Beam pipelines on embedded Flink.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = {"Greedy pass@1, and with --samples k the sampled mean@k and unbiased pass@k, and the mean",
        "response length of a checkpoint on test prompts, per data source (verl's val-core names with --json).",
        "The tokenizer, chat template, verifiers and sampling come from --config (a run's run.yaml, say)."})
public final class EvalCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", paramLabel = "DIR", required = true, description = "Checkpoint directory.")
  Path checkpoint;

  @Option(names = "--config", paramLabel = "FILE", description = "The run's config (tokenizer, template, verifiers, sampling); default: a model directory's own tokenizer and template, else the defaults.")
  Path config;

  @Option(names = "--data", paramLabel = "FILES", description = "verl Parquet/JSONL test files (a glob in the last path element); default: eval.files of the config, else the built-in task's test split.")
  String data;

  @Option(names = "--samples", paramLabel = "K", defaultValue = "0", description = "Sampled responses per prompt for mean@k and pass@k, besides the greedy one (default ${DEFAULT-VALUE}: greedy only).")
  int samples;

  @Option(names = "--test-size", paramLabel = "N", description = "Test prompts: the task's first N or at most N rows of the files (0: all; default: eval.testSize of the config).")
  Integer testSize;

  @Option(names = "--json", description = "Print the metrics as JSON (verl's names) instead of a table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    RunConfig c = CheckpointConfig.load(config, checkpoint);
    if (data != null) {
      c.eval.files = data;
    }
    if (testSize != null) {
      c.eval.testSize = testSize;
    }
    c.eval.samples = samples;
    if (c.eval.files == null && c.data.task == null) {
      throw new ConfigException(c.source, "no test prompts: give --data FILES, or eval.files in the config");
    }
    // the same tokenizer, template and verifiers as the run that wrote the checkpoint; the files checked here
    RunPlan plan = RunPlan.resolve(c);
    plan.notes().forEach(System.err::println); // e.g. test rows that cannot be used
    CheckpointIntegrity.verify(checkpoint); // a corrupt checkpoint stops here, before the cluster starts
    Evaluation.Setup setup = Evaluation.Setup.of(plan);
    Evaluation.Result greedy;
    Evaluation.Result sampled = null;
    // One embedded cluster for both jobs, on loopback; its temporary files go when it closes.
    try (LocalFlinkCluster cluster = LocalFlinkCluster.start("localhost", 0, c.flink.parallelism)) {
      greedy = Evaluation.run(cluster.options(c.flink.parallelism, "spro-eval-greedy"), checkpoint, plan.evalPrompts(),
          setup, plan.greedy(), 1);
      if (samples > 0) {
        sampled = Evaluation.run(cluster.options(c.flink.parallelism, "spro-eval-sampled"), checkpoint,
            plan.evalPrompts(), setup, plan.sampling(), samples);
      }
    }
    if (json) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("checkpoint", checkpoint.toString());
      out.put("test_prompts", greedy.all().prompts());
      out.putAll(Evaluation.metrics(greedy, sampled));
      System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
    } else {
      System.out.println("checkpoint " + checkpoint);
      System.out.print(Evaluation.table(greedy, sampled));
    }
    return 0;
  }
}
