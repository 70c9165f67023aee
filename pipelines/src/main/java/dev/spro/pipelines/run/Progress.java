package dev.spro.pipelines.run;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar for a phase that runs inside a pipeline: the workers write {@code done/total}
 * to a file in the run directory, and this polls it — so it works the same whether the workers
 * are in this JVM or on a cluster sharing the run directory. Without a terminal it prints nothing.
 */
final class Progress implements AutoCloseable {
  private final ProgressBar bar;
  private final Thread poller;

  private Progress(ProgressBar bar, Thread poller) {
    this.bar = bar;
    this.poller = poller;
  }

  static Progress watch(String title, Path file, long total, PrintStream out) {
    if (System.console() == null) {
      return new Progress(null, null);
    }
    ProgressBar bar = new ProgressBarBuilder().setTaskName(title).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(500).build();
    Thread t = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          if (Files.exists(file)) {
            String[] parts = Files.readString(file).trim().split("/");
            bar.stepTo(Long.parseLong(parts[0]));
          }
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          // a half-written progress file: read it again next time
        }
      }
    }, "progress-" + title);
    t.setDaemon(true);
    t.start();
    return new Progress(bar, t);
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.interrupt();
      bar.close();
    }
  }
}
