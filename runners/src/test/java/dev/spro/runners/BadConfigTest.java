package dev.spro.runners;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spro.pipelines.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each config that cannot run fails at once — before the warm start, before the run directory
 * exists — with exit code 2 and a message that names the file, the key, the bad value and what
 * is allowed.
 */
class BadConfigTest {
  @TempDir Path tmp;

  /** A config that would otherwise start a several-minute warm start. */
  static final String BASE = "run:\n  name: bad\n";

  static Stream<Arguments> badConfigs() {
    return Stream.of(
        Arguments.of("loss aggregation", BASE + "loss:\n  aggregation: token-sum\n",
            List.of("loss.aggregation", "'token-sum'", "seq-mean-token-mean")),
        Arguments.of("KL estimator", BASE + "loss:\n  klEstimator: k9\n", List.of("loss.klEstimator", "'k9'", "k3")),
        Arguments.of("lr schedule", BASE + "optimizer:\n  schedule: linear\n",
            List.of("optimizer.schedule", "'linear'", "constant, warmup, cosine")),
        Arguments.of("chat template", BASE + "model:\n  chatTemplate: chatm1\n",
            List.of("model.chatTemplate = chatm1", "plain, chatml, or model")),
        Arguments.of("device gpu without a GPU", BASE + "model:\n  device: gpu\n",
            List.of("model.device is gpu", "sees no CUDA GPU", "CUDA_VISIBLE_DEVICES")),
        Arguments.of("device typo", BASE + "model:\n  device: cuda\n", List.of("model.device", "'cuda'", "auto, cpu, gpu")),
        Arguments.of("temperature 0", BASE + "sampling:\n  temperature: 0\n",
            List.of("sampling.temperature = 0.0", "every advantage and every gradient is 0")),
        Arguments.of("no samples", BASE + "sampling:\n  samplesPerPrompt: 0\n", List.of("sampling.samplesPerPrompt = 0", ">= 2")),
        Arguments.of("no iterations", BASE + "run:\n  iterations: 0\n", List.of("run.iterations = 0", "spro sft")),
        Arguments.of("algorithm", BASE + "algorithm:\n  name: ppo\n", List.of("algorithm.name = ppo", "spro, grpo")),
        Arguments.of("a number that is not one", BASE + "optimizer:\n  lr: fast\n", List.of("optimizer.lr", "fast")),
        Arguments.of("unknown key", BASE + "optimizer:\n  lrr: 0.1\n", List.of("unknown key 'lrr'", "section 'optimizer'", "lr")),
        Arguments.of("YAML syntax", BASE + "sampling:\n  temperature: [1.0\n", List.of("is not valid YAML", "line")),
        Arguments.of("missing checkpoint", BASE + "model:\n  checkpoint: /nonexistent/model\n",
            List.of("model.checkpoint '/nonexistent/model' has no config.json")),
        Arguments.of("missing tokenizer", BASE + "model:\n  tokenizer: /nonexistent/tokenizer.json\n  eosToken: x\n"
            + "  checkpoint: /nonexistent/model\n", List.of("model.tokenizer '/nonexistent/tokenizer.json'", "does not exist")),
        Arguments.of("missing data files", BASE + "data:\n  task: null\n  files: /nonexistent/train-*.parquet\n",
            List.of("data.files '/nonexistent/train-*.parquet'")),
        Arguments.of("web UI port", BASE + "flink:\n  restPort: 70000\n", List.of("flink.restPort = 70000", "65535")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConfigs")
  void failsFastWithExitCode2BeforeWritingAnything(String what, String yaml, List<String> expected) throws Exception {
    Path config = tmp.resolve("bad.yaml");
    Files.writeString(config, yaml);
    Path runDir = tmp.resolve("run");
    long start = System.nanoTime();
    SproCliTest.Run r = SproCliTest.run("train", "--config", config.toString(), "--run-dir", runDir.toString());
    double seconds = (System.nanoTime() - start) / 1e9;
    assertEquals(2, r.code(), what + ": " + r.err());
    assertTrue(r.err().contains(config.toString()) || r.err().contains("config"), r.err());
    for (String e : expected) {
      assertTrue(r.err().contains(e), what + ": expected '" + e + "' in:\n" + r.err());
    }
    assertFalse(r.err().contains("Pipeline execution failed"), r.err());
    assertFalse(Files.exists(runDir), what + ": the run directory was created");
    assertTrue(seconds < 15, what + " took " + seconds + " s");
  }

  @Test
  void dataSourcesAndCustomVerifiersAreCheckedAgainstTheFiles() throws Exception {
    Path data = tmp.resolve("train.jsonl");
    Files.writeString(data, "{\"data_source\": \"nobody/knows\", \"prompt\": [{\"role\": \"user\", \"content\": \"1+1=\"}], "
        + "\"reward_model\": {\"style\": \"rule\", \"ground_truth\": \"2\"}}\n");
    Path config = tmp.resolve("c.yaml");
    Files.writeString(config, BASE + "data:\n  task: null\n  files: " + data + "\n");
    SproCliTest.Run r = SproCliTest.run("train", "--config", config.toString(), "--run-dir", tmp.resolve("run").toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("no verifier for data_source 'nobody/knows'") && r.err().contains(data + ":1"), r.err());

    Files.writeString(config, BASE + "data:\n  task: null\n  files: " + data + "\nverifiers:\n  custom:\n"
        + "    nobody/knows: com.example.NoSuchVerifier\n");
    r = SproCliTest.run("train", "--config", config.toString(), "--run-dir", tmp.resolve("run").toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("verifiers.custom.nobody/knows = com.example.NoSuchVerifier"), r.err());

    Files.writeString(config, BASE + "data:\n  task: null\n  files: " + data + "\nverifiers:\n  custom:\n"
        + "    nobody/knows: java.lang.String\n");
    r = SproCliTest.run("train", "--config", config.toString(), "--run-dir", tmp.resolve("run").toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("does not implement dev.spro.transforms.reward.Verifier"), r.err());

    Files.writeString(config, BASE + "data:\n  task: null\n  files: " + data + "\nverifiers:\n  exactMatchFallback: true\n");
    r = SproCliTest.run("train", "--config", config.toString(), "--run-dir", tmp.resolve("run").toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("data.batchSize = 16: must be at most the 1 usable rows"), r.err());
    assertFalse(Files.exists(tmp.resolve("run")));
  }

  @Test
  void anExistingRunDirectoryIsLeftAsItWas() throws Exception {
    Path runDir = tmp.resolve("run");
    Files.createDirectories(runDir);
    RunConfig good = new RunConfig();
    good.write(runDir.resolve("run.yaml"));
    byte[] before = Files.readAllBytes(runDir.resolve("run.yaml"));
    Path config = tmp.resolve("bad.yaml");
    Files.writeString(config, BASE + "loss:\n  aggregation: token-sum\n");
    SproCliTest.Run r = SproCliTest.run("train", "--config", config.toString(), "--run-dir", runDir.toString());
    assertEquals(2, r.code(), r.err());
    assertArrayEquals(before, Files.readAllBytes(runDir.resolve("run.yaml")));
    try (Stream<Path> s = Files.list(runDir)) {
      assertEquals(List.of(runDir.resolve("run.yaml")), s.toList());
    }
  }

  @Test
  void anEmptyConfigSaysItRunsTheDefaults() throws Exception {
    Path config = tmp.resolve("empty.yaml");
    Files.writeString(config, "# nothing yet\n");
    RunConfig c = RunConfig.load(config);
    assertEquals(new RunConfig().hash(), c.hash());
    assertEquals(List.of("config " + config + " is empty: running the defaults"), c.notes);
  }
}
