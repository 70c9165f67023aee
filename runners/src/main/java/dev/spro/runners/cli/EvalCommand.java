package dev.spro.runners.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spro.models.checkpoint.CheckpointIntegrity;
import dev.spro.pipelines.config.RunConfig;
import dev.spro.pipelines.flink.LocalFlinkCluster;
import dev.spro.pipelines.run.RunPlan;
import dev.spro.pipelines.run.Evaluation;
import dev.spro.transforms.stages.ModelSpec;
import dev.spro.transforms.task.ArithmeticTask;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spro eval}: accuracy of a checkpoint on the built-in task's test split, as a Beam pipeline. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = {"pass@1 (greedy and sampled), pass@k and mean response length of a checkpoint on the",
        "built-in task's test split, as a Beam pipeline on embedded Flink; results as JSON."})
public final class EvalCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", paramLabel = "DIR", required = true, description = "Checkpoint directory.")
  Path checkpoint;

  @Option(names = "--config", paramLabel = "FILE", description = "The run's config (task, tokenizer, sampling); default: defaults.")
  Path config;

  @Option(names = "--samples", paramLabel = "K", defaultValue = "1", description = "Sampled responses per prompt for pass@k (default ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--test-size", paramLabel = "N", description = "Test problems (default: eval.testSize of the config).")
  Integer testSize;

  @Override
  public Integer call() throws Exception {
    RunConfig c = RunConfig.load(config);
    if (c.data.task == null) {
      System.err.println("spro eval: evaluation covers the built-in task's test split; this config reads files");
      return 2;
    }
    // the same task, tokenizer and template as the run that wrote the checkpoint
    RunPlan plan = RunPlan.resolve(c);
    ArithmeticTask task = plan.task();
    ModelSpec spec = plan.spec();
    int n = testSize != null ? testSize : c.eval.testSize;
    CheckpointIntegrity.verify(checkpoint); // a corrupt checkpoint stops here, before the cluster starts
    Map<String, Object> out = new LinkedHashMap<>();
    // One embedded cluster for both jobs, on loopback; its temporary files go when it closes.
    try (LocalFlinkCluster cluster = LocalFlinkCluster.start("localhost", 0, c.flink.parallelism)) {
      Evaluation.Result greedy = Evaluation.run(cluster.options(c.flink.parallelism, "spro-eval-greedy"), checkpoint, task,
          n, spec, plan.greedy(), 1, c.sampling.batchRows, c.flink.parallelism, c.run.seed);
      out.put("checkpoint", checkpoint.toString());
      out.put("test_problems", n);
      out.put("pass@1_greedy", greedy.accuracy());
      out.put("response_length_greedy", greedy.meanResponseLength());
      if (samples > 0) {
        Evaluation.Result sampled = Evaluation.run(cluster.options(c.flink.parallelism, "spro-eval-sampled"), checkpoint,
            task, n, spec, plan.sampling(), samples, c.sampling.batchRows, c.flink.parallelism, c.run.seed);
        out.put("pass@1_sampled", sampled.accuracy());
        out.put("pass@" + samples, sampled.passAtK());
        out.put("response_length_sampled", sampled.meanResponseLength());
      }
    }
    System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
    return 0;
  }
}
