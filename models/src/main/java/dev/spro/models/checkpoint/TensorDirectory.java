package dev.spro.models.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensors of several open safetensors files — a sharded checkpoint's weights, or the
 * optimizer files of a checkpoint — found by name and read a range at a time. Tensors are moved
 * in chunks of {@link #CHUNK} elements, so a stage that streams a model through this holds a few
 * chunks on the heap, whatever the model's size.
 */
public final class TensorDirectory implements AutoCloseable {
  /** Elements moved at once (16M: 64 MB of fp32). */
  public static final int CHUNK = 1 << 24;

  private final List<SafeTensorsReader> readers = new ArrayList<>();
  private final Map<String, SafeTensorsReader> byName = new LinkedHashMap<>();

  private TensorDirectory() {}

  /** Opens {@code files} (each header checked); a name in two files is refused. */
  public static TensorDirectory open(List<Path> files) {
    TensorDirectory d = new TensorDirectory();
    try {
      for (Path f : files) {
        SafeTensorsReader r = SafeTensorsReader.open(f);
        d.readers.add(r);
        for (String name : r.entries().keySet()) {
          SafeTensorsReader before = d.byName.putIfAbsent(name, r);
          if (before != null) {
            throw new IllegalArgumentException("tensor " + name + " is in both " + before.file() + " and " + f);
          }
        }
      }
      return d;
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
  }

  public boolean has(String name) {
    return byName.containsKey(name);
  }

  public SafeTensors.Entry entry(String name) {
    return reader(name).entries().get(name);
  }

  /** The metadata of the first file (optimizer files agree on theirs), empty without files. */
  public Map<String, String> metadata() {
    return readers.isEmpty() ? Map.of() : readers.get(0).metadata();
  }

  public List<SafeTensorsReader> files() {
    return List.copyOf(readers);
  }

  /** Elements {@code [from, from + count)} of tensor {@code name} into {@code into[0...count)}. */
  public void read(String name, long from, float[] into, int count) {
    reader(name).read(name, from, into, 0, count);
  }

  private SafeTensorsReader reader(String name) {
    SafeTensorsReader r = byName.get(name);
    if (r == null) {
      throw new IllegalArgumentException("no file of " + readers.stream().map(SafeTensorsReader::file).toList()
          + " has tensor " + name);
    }
    return r;
  }

  /** Copies tensor {@code name} into the same tensor of {@code to}, a chunk at a time. */
  public void copy(String name, SafeTensorsWriter to) {
    copy(name, to, name);
  }

  /** Copies tensor {@code name} into tensor {@code as} of {@code to}, a chunk at a time. */
  public void copy(String name, SafeTensorsWriter to, String as) {
    copy(reader(name), name, to, as);
  }

  /** Copies tensor {@code name} of {@code from} into tensor {@code as} of {@code to}, a chunk at a time. */
  public static void copy(SafeTensorsReader from, String name, SafeTensorsWriter to, String as) {
    long count = from.entries().get(name).elementCount();
    float[] chunk = new float[(int) Math.min(count, CHUNK)];
    for (long at = 0; at < count; at += chunk.length) {
      int n = (int) Math.min(chunk.length, count - at);
      from.read(name, at, chunk, 0, n);
      to.write(as, at, chunk, 0, n);
    }
  }

  @Override
  public void close() {
    readers.forEach(SafeTensorsReader::close);
  }
}
