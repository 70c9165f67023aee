package dev.spro.runners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The command-line surface: every product subcommand is declared and has help. */
class SproCliTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    CommandLine cli = SproCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void topLevelHelpListsEverySubcommand() {
    Run r = run("--help");
    assertEquals(0, r.code());
    for (String sub : List.of("train", "resume", "sft", "eval", "sample", "score", "report", "data", "init", "export",
        "cluster", "check")) {
      assertTrue(r.out().contains("  " + sub), sub + " missing from:\n" + r.out());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"train", "resume", "sft", "eval", "sample", "score", "report", "data", "data gsm8k", "init",
      "export", "cluster", "cluster start", "cluster status", "cluster stop", "check"})
  void everySubcommandHasHelp(String sub) {
    String[] args = (sub + " --help").split(" ");
    Run r = run(args);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("Usage: spro " + sub), r.out());
  }

  @Test
  void aCommandGroupAloneNamesItsSubcommands() {
    assertEquals(SproCli.EXIT_NOT_IMPLEMENTED, run("data").code(), "data alone names its subcommands");
  }

  @Test
  void clusterStatusOfADirectoryWithoutAClusterSaysSo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    Run r = run("cluster", "status", "--dir", tmp.toString());
    assertEquals(1, r.code(), r.err());
    assertTrue(r.out().contains("not started here"), r.out());
    Run stop = run("cluster", "stop", "--dir", tmp.toString());
    assertEquals(0, stop.code(), stop.err());
    assertTrue(stop.out().startsWith("no cluster running in"), stop.out());
  }

  @Test
  void trainDeclaresTheContractedOptions() {
    Run r = run("train", "--help");
    for (String opt : List.of("--config", "--run-dir", "--iterations", "--seed", "--algo", "--fail-at", "--flink-master")) {
      assertTrue(r.out().contains(opt), opt + " missing");
    }
  }

  @Test
  void aFailingCommandSaysWhyInOneLine() {
    Run r = run("train", "--config", "/no/such/config.yaml");
    assertEquals(SproCli.EXIT_BAD_CONFIG, r.code(), "a config that cannot be read is a bad config");
    assertTrue(r.err().startsWith("spro train: config /no/such/config.yaml"), r.err());
    assertTrue(!r.err().contains("\tat "), "no stack trace unless SPRO_DEBUG is set:\n" + r.err());
  }

  @Test
  void badOptionIsAUsageError() {
    Run r = run("train", "--no-such-option");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--no-such-option"), r.err());
  }

  @Test
  void aShardSizeThatIsNotOneIsNamedBeforeAnythingIsRead(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    Run r = run("export", "--checkpoint", tmp.resolve("none").toString(), "--out", tmp.resolve("out").toString(),
        "--max-shard-size", "5XB");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("--max-shard-size '5XB' is not a size like 5GB"), r.err());
    Run zero = run("export", "--checkpoint", tmp.resolve("none").toString(), "--out", tmp.resolve("out").toString(),
        "--max-shard-size", "0");
    assertTrue(zero.err().contains("--max-shard-size must be positive"), zero.err());
  }
}
