package dev.spro.pipelines.run;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The progress bar of one phase of a run (the warm start, the RL iterations), drawn with the
 * progressbar library on the run's output stream. Lines printed while a bar is up go through
 * {@link #println} so they appear above the bar instead of through it. Without a terminal there
 * is no bar, and {@link #println} just prints.
 */
final class Progress implements AutoCloseable {
  private final PrintStream out;
  private final ProgressBar bar;
  private final int width;
  private Thread poller;

  private Progress(PrintStream out, ProgressBar bar, int width) {
    this.out = out;
    this.bar = bar;
    this.width = width;
  }

  /** A bar the caller moves with {@link #stepTo}, starting at {@code done} of {@code total} (a resumed run). */
  static Progress count(String title, long done, long total, PrintStream out) {
    if (System.console() == null) {
      return new Progress(out, null, 0);
    }
    ConsoleProgressBarConsumer consumer = new ConsoleProgressBarConsumer(out);
    ProgressBar bar = new ProgressBarBuilder().setTaskName(title).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(500).setConsumer(consumer).startsFrom(done, Duration.ZERO).build();
    return new Progress(out, bar, consumer.getMaxRenderedLength());
  }

  /**
   * A bar for a phase that runs inside a pipeline: the workers write {@code done/total} to {@code
   * file} in the run directory, and this polls it — so it works the same whether the workers are
   * in this JVM or on a cluster sharing the run directory.
   */
  static Progress watch(String title, Path file, long total, PrintStream out) {
    Progress p = count(title, 0, total, out);
    if (p.bar == null) {
      return p;
    }
    p.poller = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          if (Files.exists(file)) {
            String[] parts = Files.readString(file).trim().split("/");
            p.bar.stepTo(Long.parseLong(parts[0]));
          }
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          // a half-written progress file: read it again next time
        }
      }
    }, "progress-" + title);
    p.poller.setDaemon(true);
    p.poller.start();
    return p;
  }

  void stepTo(long done) {
    if (bar != null) {
      bar.stepTo(done);
    }
  }

  /** Prints a line above the bar (over the bar's current line, which the bar then redraws below). */
  void println(String line) {
    if (bar == null) {
      out.println(line);
      return;
    }
    // one print call: PrintStream is synchronized per call, so the bar's redraw cannot cut into it
    out.print("\r" + line + " ".repeat(Math.max(0, width - line.length())) + System.lineSeparator());
    bar.refresh();
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.interrupt();
    }
    if (bar != null) {
      bar.close();
    }
  }
}
