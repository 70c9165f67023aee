package dev.spro.models.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A checkpoint's optimizer state, one safetensors file per parameter slice ({@code
 * optimizer-SS-of-NN.safetensors}): the Adam moments ({@code exp_avg.NAME}, {@code
 * exp_avg_sq.NAME}) and, for parameters the checkpoint stores in 16 bits, their fp32 master
 * weights ({@code master.NAME}). Written by the gradient step, read by it and by {@code spro
 * export}.
 */
public final class OptimizerFiles {
  /** A parameter's fp32 master copy. */
  public static final String MASTER = "master.";
  private static final String PREFIX = "optimizer";

  private OptimizerFiles() {}

  /** The file of slice {@code slice} of {@code slices}. */
  public static String name(int slice, int slices) {
    return String.format(Locale.ROOT, "%s-%02d-of-%02d.safetensors", PREFIX, slice, slices);
  }

  /**
   * The optimizer state files of {@code checkpoint}, in name order, whatever slicing wrote them
   * (and the single {@code optimizer.safetensors} of older runs).
   */
  public static List<Path> of(Path checkpoint) {
    try (Stream<Path> s = Files.list(checkpoint)) {
      return s.filter(p -> {
        String n = p.getFileName().toString();
        return n.startsWith(PREFIX) && n.endsWith(".safetensors");
      }).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + checkpoint + ": " + e.getMessage(), e);
    }
  }
}
