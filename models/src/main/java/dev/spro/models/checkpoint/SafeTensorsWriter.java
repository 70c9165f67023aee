package dev.spro.models.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file written a tensor, or a range of a tensor, at a time, in any order: the header
 * (every tensor's dtype, shape and offsets, sorted by name, as {@link SafeTensors#write} lays it
 * out, so the bytes are the same) is fixed when the writer is created, and the values land at
 * their offsets. Nothing is visible at {@code file} until {@link #commit} has checked that every
 * element was written, forced the data to disk and renamed the temporary file into place; a
 * writer closed without a commit removes its temporary file.
 */
public final class SafeTensorsWriter implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BUFFER_BYTES = 4 << 20;

  private final Path file;
  private final Path tmp;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, Slot> slots = new LinkedHashMap<>();
  private boolean committed;

  private static final class Slot {
    final SafeTensors.Entry entry;
    final long begin;
    long written;

    Slot(SafeTensors.Entry entry, long begin) {
      this.entry = entry;
      this.begin = begin;
    }
  }

  private SafeTensorsWriter(Path file, Collection<SafeTensors.Entry> entries, Map<String, String> metadata) throws IOException {
    this.file = file;
    this.tmp = file.resolveSibling(file.getFileName() + ".tmp");
    List<SafeTensors.Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing(SafeTensors.Entry::name));
    ObjectNode header = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(m -> meta.put(m.getKey(), m.getValue()));
    }
    long offset = 0;
    for (SafeTensors.Entry e : sorted) {
      if (slots.containsKey(e.name())) {
        throw new IllegalArgumentException("tensor " + e.name() + " is listed twice for " + file);
      }
      ObjectNode spec = header.putObject(e.name());
      spec.put("dtype", e.dtype().name());
      var shape = spec.putArray("shape");
      for (long d : e.shape()) {
        shape.add(d);
      }
      long bytes = e.elementCount() * e.dtype().bytes;
      spec.putArray("data_offsets").add(offset).add(offset + bytes);
      slots.put(e.name(), new Slot(e, offset));
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8; // data starts 8-byte aligned, padded with spaces
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    this.dataStart = 8L + padded;
    Files.deleteIfExists(tmp);
    this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      writeFully(head, 0);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** A writer of {@code entries} (any order; the file sorts them by name) with {@code metadata}. */
  public static SafeTensorsWriter create(Path file, Collection<SafeTensors.Entry> entries, Map<String, String> metadata) {
    try {
      return new SafeTensorsWriter(file, entries, metadata);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write safetensors file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Where the file appears once committed. */
  public Path file() {
    return file;
  }

  /** Tensor {@code name}, whole. */
  public void write(String name, float[] values) {
    write(name, 0, values, 0, values.length);
  }

  /** {@code values[at...at+count)} as elements {@code [from, from + count)} of tensor {@code name}. */
  public void write(String name, long from, float[] values, int at, int count) {
    Slot s = slots.get(name);
    if (s == null) {
      throw new IllegalArgumentException("tensor " + name + " is not in the header of " + file);
    }
    if (from < 0 || count < 0 || from + count > s.entry.elementCount()) {
      throw new IndexOutOfBoundsException("tensor " + name + " has " + s.entry.elementCount() + " elements; writing ["
          + from + ", " + (from + count) + ")");
    }
    SafeTensors.DType dtype = s.entry.dtype();
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min((long) count * dtype.bytes, BUFFER_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
    try {
      for (int done = 0; done < count; ) {
        int n = Math.min(count - done, Math.max(1, buf.capacity() / dtype.bytes));
        buf.clear();
        for (int i = at + done; i < at + done + n; i++) {
          switch (dtype) {
            case F32 -> buf.putFloat(values[i]);
            case BF16 -> buf.putShort(HalfFloats.floatToBf16(values[i]));
            case F16 -> buf.putShort(HalfFloats.floatToF16(values[i]));
          }
        }
        buf.flip();
        writeFully(buf, dataStart + s.begin + (from + done) * dtype.bytes);
        done += n;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write tensor " + name + " to " + tmp + ": " + e.getMessage(), e);
    }
    s.written += count;
  }

  private void writeFully(ByteBuffer buf, long position) throws IOException {
    while (buf.hasRemaining()) {
      position += channel.write(buf, position);
    }
  }

  /** Checks that every element was written once, forces the file to disk and renames it into place. */
  public void commit() {
    for (Slot s : slots.values()) {
      if (s.written != s.entry.elementCount()) {
        throw new IllegalStateException("tensor " + s.entry.name() + " of " + file + ": " + s.written + " of "
            + s.entry.elementCount() + " elements written; the file is not committed");
      }
    }
    try {
      channel.force(true);
      channel.close();
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      committed = true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot commit safetensors file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Removes the temporary file unless committed. */
  @Override
  public void close() {
    if (committed) {
      return;
    }
    try {
      channel.close();
      Files.deleteIfExists(tmp);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + tmp + ": " + e.getMessage(), e);
    }
  }
}
