package dev.spro.models.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An open safetensors file whose tensors are read one at a time, or a range of elements at a
 * time, widened to fp32: what lets a stage hold one tensor (or one chunk of one) on the heap
 * instead of a whole model or optimizer state.
 *
 * <p>Opening checks every claim of the header against the file before a value is read: a
 * truncated file, a header that is not JSON, offsets outside the data, a shape that disagrees with
 * its byte span, overlapping tensors — each fails with the file and tensor named.
 */
public final class SafeTensorsReader implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER = 100L << 20;
  /** Bytes read from the file at once. */
  private static final int WINDOW_BYTES = 4 << 20;

  private final Path file;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, String> metadata;
  private final Map<String, Located> located;

  /** A header entry and where its bytes are in the data section. */
  private record Located(SafeTensors.Entry entry, long begin, long count) {
    long end() {
      return begin + count * entry.dtype().bytes;
    }
  }

  private SafeTensorsReader(Path file, FileChannel channel, long dataStart, Map<String, String> metadata,
      Map<String, Located> located) {
    this.file = file;
    this.channel = channel;
    this.dataStart = dataStart;
    this.metadata = metadata;
    this.located = located;
  }

  /** Opens {@code file} and validates its header. */
  public static SafeTensorsReader open(Path file) {
    FileChannel ch = null;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
      SafeTensorsReader r = parse(file, ch);
      ch = null;
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
    } finally {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // the parse error is the one to report
        }
      }
    }
  }

  private static SafeTensorsReader parse(Path file, FileChannel ch) throws IOException {
    long size = ch.size();
    if (size < 8) {
      throw bad(file, "file is truncated (" + size + " bytes; no header length)");
    }
    ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    ch.read(lenBuf, 0);
    long headerLen = lenBuf.flip().getLong();
    if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
      throw bad(file, "header length " + headerLen + " does not fit a file of " + size + " bytes");
    }
    ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
    ch.read(headerBuf, 8);
    JsonNode header;
    try {
      header = JSON.readTree(new String(headerBuf.array(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw bad(file, "header is not valid JSON: " + e.getMessage());
    }
    if (header == null || !header.isObject()) {
      throw bad(file, "header is not a JSON object");
    }
    long dataStart = 8 + headerLen;
    long dataSize = size - dataStart;
    Map<String, String> metadata = new LinkedHashMap<>();
    Map<String, Located> located = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      String name = e.getKey();
      JsonNode spec = e.getValue();
      SafeTensors.DType dtype = dtype(file, name, spec.get("dtype"));
      long[] shape = shape(file, name, spec.get("shape"));
      JsonNode off = spec.get("data_offsets");
      if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
        throw bad(file, "tensor " + name + ": data_offsets must be [begin, end]");
      }
      long begin = off.get(0).asLong();
      long end = off.get(1).asLong();
      if (begin < 0 || end < begin || end > dataSize) {
        throw bad(file, "tensor " + name + ": data_offsets [" + begin + ", " + end + "] outside the "
            + dataSize + " data bytes (file truncated, or header lies)");
      }
      long count = 1;
      for (long d : shape) {
        count = Math.multiplyExact(count, d);
      }
      if (count * dtype.bytes != end - begin) {
        throw bad(file, "tensor " + name + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs "
            + count * dtype.bytes + " bytes but data_offsets span " + (end - begin));
      }
      located.put(name, new Located(new SafeTensors.Entry(name, dtype, shape), begin, count));
    }
    List<Located> byOffset = new ArrayList<>(located.values());
    byOffset.sort(Comparator.comparingLong(Located::begin));
    for (int i = 1; i < byOffset.size(); i++) {
      if (byOffset.get(i).begin() < byOffset.get(i - 1).end()) {
        throw bad(file, "tensors overlap at data offset " + byOffset.get(i).begin());
      }
    }
    return new SafeTensorsReader(file, ch, dataStart, Collections.unmodifiableMap(metadata), located);
  }

  public Path file() {
    return file;
  }

  /** Every tensor's header entry, in file order. */
  public Map<String, SafeTensors.Entry> entries() {
    Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();
    located.forEach((n, l) -> out.put(n, l.entry()));
    return out;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  /** Tensor {@code name}, whole. */
  public SafeTensors.Tensor tensor(String name) {
    Located l = locate(name);
    if (l.count() > Integer.MAX_VALUE) {
      throw bad(file, "tensor " + name + " has " + l.count() + " elements, more than one Java array holds; read it in ranges");
    }
    float[] values = new float[(int) l.count()];
    read(name, 0, values, 0, values.length);
    return new SafeTensors.Tensor(name, l.entry().dtype(), l.entry().shape(), values);
  }

  /** Elements {@code [from, from + count)} of tensor {@code name} (flat, row-major) into {@code into[at...]}. */
  public void read(String name, long from, float[] into, int at, int count) {
    Located l = locate(name);
    if (from < 0 || count < 0 || from + count > l.count()) {
      throw new IndexOutOfBoundsException("tensor " + name + " of " + file + " has " + l.count()
          + " elements; asked for [" + from + ", " + (from + count) + ")");
    }
    SafeTensors.DType dtype = l.entry().dtype();
    // read, not mapped: a mapping's pages count in the process's resident set until it is
    // collected, and one buffer of a few MB is all a chunk needs
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min((long) count * dtype.bytes, WINDOW_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
    try {
      for (int done = 0; done < count; ) {
        int n = Math.min(count - done, buf.capacity() / dtype.bytes);
        buf.clear().limit(n * dtype.bytes);
        long position = dataStart + l.begin() + (from + done) * dtype.bytes;
        while (buf.hasRemaining()) {
          if (channel.read(buf, position + buf.position()) < 0) {
            throw bad(file, "tensor " + name + " ends before its data_offsets say (file truncated)");
          }
        }
        buf.flip();
        int o = at + done;
        switch (dtype) {
          case F32 -> buf.asFloatBuffer().get(into, o, n);
          case BF16 -> {
            for (int i = 0; i < n; i++) {
              into[o + i] = HalfFloats.bf16ToFloat(buf.getShort(i * 2));
            }
          }
          case F16 -> {
            for (int i = 0; i < n; i++) {
              into[o + i] = HalfFloats.f16ToFloat(buf.getShort(i * 2));
            }
          }
        }
        done += n;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tensor " + name + " of " + file + ": " + e.getMessage(), e);
    }
  }

  private Located locate(String name) {
    Located l = located.get(name);
    if (l == null) {
      throw new IllegalArgumentException("safetensors file " + file + " has no tensor " + name);
    }
    return l;
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
    }
  }

  private static SafeTensors.DType dtype(Path file, String name, JsonNode v) {
    if (v == null || !v.isTextual()) {
      throw bad(file, "tensor " + name + ": missing dtype");
    }
    try {
      return SafeTensors.DType.valueOf(v.asText());
    } catch (IllegalArgumentException e) {
      throw bad(file, "tensor " + name + ": dtype " + v.asText() + " is not supported (F32, BF16, F16)");
    }
  }

  private static long[] shape(Path file, String name, JsonNode v) {
    if (v == null || !v.isArray()) {
      throw bad(file, "tensor " + name + ": missing shape");
    }
    long[] shape = new long[v.size()];
    for (int i = 0; i < shape.length; i++) {
      if (!v.get(i).canConvertToLong() || v.get(i).asLong() < 0) {
        throw bad(file, "tensor " + name + ": bad shape " + v);
      }
      shape[i] = v.get(i).asLong();
    }
    return shape;
  }

  static IllegalArgumentException bad(Path file, String message) {
    return new IllegalArgumentException("safetensors file " + file + ": " + message);
  }
}
