package dev.spro.models.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spro.models.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each
 * tensor name to {@code {dtype, shape, data_offsets}} (plus optional {@code __metadata__}), then
 * the raw little-endian data.
 *
 * <p>{@link #read} maps the file and checks every claim of the header against the file before it
 * reads a value: a truncated file, a header that is not JSON, offsets outside the data, a shape
 * that disagrees with its byte span, overlapping tensors — each fails with the file and tensor
 * named. {@link #write} is deterministic (tensors sorted by name) and atomic (a temporary file
 * renamed into place).
 */
public final class SafeTensors {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER = 100L << 20;

  private SafeTensors() {}

  /** The element types we read and write. */
  public enum DType {
    F32(4, "float32"),
    BF16(2, "bfloat16"),
    F16(2, "float16");

    final int bytes;
    private final String torchName;

    DType(int bytes, String torchName) {
      this.bytes = bytes;
      this.torchName = torchName;
    }

    /** The name a Hugging Face {@code config.json} gives it ({@code torch_dtype}). */
    public String torchName() {
      return torchName;
    }

    /** The dtype of a {@code torch_dtype} name, or of its short form (bf16, fp16, fp32). */
    public static DType ofTorchName(String name) {
      String n = name.toLowerCase(java.util.Locale.ROOT);
      for (DType d : values()) {
        if (d.torchName.equals(n) || n.equals(d.torchName.replace("bfloat", "bf").replace("float", "fp"))) {
          return d;
        }
      }
      throw new IllegalArgumentException("dtype '" + name + "' is not one of bfloat16, float16, float32 (or bf16, fp16, fp32)");
    }
  }

  /** A tensor with its values widened to fp32 and the dtype it is stored in. */
  public record Tensor(String name, DType dtype, long[] shape, float[] values) {
    public Tensor {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      if (n != values.length) {
        throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape)
            + " holds " + n + " values, got " + values.length);
      }
    }

    public long elementCount() {
      return values.length;
    }
  }

  /** The largest piece of a file mapped at once (a mapping holds at most 2 GiB). */
  static final long MAP_WINDOW_BYTES = 1L << 30;

  /** A tensor as the header describes it. */
  public record Entry(String name, DType dtype, long[] shape) {
    public long elementCount() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  /** A header entry and where its bytes are in the data section. */
  private record Located(Entry entry, long begin, int count) {
    long end() {
      return begin + (long) count * entry.dtype().bytes;
    }
  }

  /**
   * A file's tensors that were read (by name, in file order), its metadata, and the header's
   * entry of every tensor in the file (read or not).
   */
  public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata, Map<String, Entry> entries) {}

  /** The header of {@code file}: every tensor's dtype and shape, and the metadata; no data is read. */
  public static Contents header(Path file) {
    return read(file, name -> false);
  }

  /** Reads and validates {@code file}. */
  public static Contents read(Path file) {
    return read(file, name -> true);
  }

  /**
   * The tensors of {@code file} whose names {@code wanted} accepts (the whole header is still
   * checked); only those are read from disk — a slice owner reads its slice, not the model.
   */
  public static Contents read(Path file, java.util.function.Predicate<String> wanted) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
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
      List<Located> located = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) {
          e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
          continue;
        }
        String name = e.getKey();
        JsonNode spec = e.getValue();
        DType dtype = dtype(file, name, spec.get("dtype"));
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
        if (count > Integer.MAX_VALUE) {
          throw bad(file, "tensor " + name + " has " + count + " elements, more than one Java array holds");
        }
        located.add(new Located(new Entry(name, dtype, shape), begin, (int) count));
      }
      List<Located> byOffset = new ArrayList<>(located);
      byOffset.sort(Comparator.comparingLong(Located::begin));
      for (int i = 1; i < byOffset.size(); i++) {
        if (byOffset.get(i).begin() < byOffset.get(i - 1).end()) {
          throw bad(file, "tensors overlap at data offset " + byOffset.get(i).begin());
        }
      }
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      Map<String, Entry> described = new LinkedHashMap<>();
      for (Located l : located) {
        described.put(l.entry().name(), l.entry());
      }
      for (Located l : located) {
        String name = l.entry().name();
        if (!wanted.test(name)) {
          continue;
        }
        DType dtype = l.entry().dtype();
        long begin = l.begin();
        int count = l.count();
        float[] values = new float[count];
        // in windows: one mapping cannot exceed 2 GiB, and a 7B model's embeddings are 2.2 GB in fp32
        for (long done = 0; done < count; ) {
          int n = (int) Math.min(count - done, MAP_WINDOW_BYTES / dtype.bytes);
          MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + begin + done * dtype.bytes,
              (long) n * dtype.bytes);
          map.order(ByteOrder.LITTLE_ENDIAN);
          int at = (int) done;
          switch (dtype) {
            case F32 -> map.asFloatBuffer().get(values, at, n);
            case BF16 -> {
              for (int i = 0; i < n; i++) {
                values[at + i] = HalfFloats.bf16ToFloat(map.getShort(i * 2));
              }
            }
            case F16 -> {
              for (int i = 0; i < n; i++) {
                values[at + i] = HalfFloats.f16ToFloat(map.getShort(i * 2));
              }
            }
          }
          done += n;
        }
        tensors.put(name, new Tensor(name, dtype, l.entry().shape(), values));
      }
      return new Contents(tensors, metadata, described);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code tensors} (sorted by name) with {@code metadata}, atomically. */
  public static void write(Path file, Collection<Tensor> tensors, Map<String, String> metadata) {
    List<Tensor> sorted = new ArrayList<>(tensors);
    sorted.sort(Comparator.comparing(Tensor::name));
    ObjectNode header = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(m -> meta.put(m.getKey(), m.getValue()));
    }
    long offset = 0;
    for (Tensor t : sorted) {
      ObjectNode spec = header.putObject(t.name());
      spec.put("dtype", t.dtype().name());
      var shape = spec.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      long bytes = t.elementCount() * t.dtype().bytes;
      spec.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(header);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int padded = (json.length + 7) / 8 * 8; // data starts 8-byte aligned, padded with spaces
    try {
      AtomicFiles.write(file, out -> {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        out.write(len.array());
        out.write(json);
        for (int i = json.length; i < padded; i++) {
          out.write(' ');
        }
        for (Tensor t : sorted) {
          ByteBuffer buf = ByteBuffer.allocate((int) Math.min(1 << 20, t.elementCount() * t.dtype().bytes))
              .order(ByteOrder.LITTLE_ENDIAN);
          for (float v : t.values()) {
            if (buf.remaining() < t.dtype().bytes) {
              out.write(buf.array(), 0, buf.position());
              buf.clear();
            }
            switch (t.dtype()) {
              case F32 -> buf.putFloat(v);
              case BF16 -> buf.putShort(HalfFloats.floatToBf16(v));
              case F16 -> buf.putShort(HalfFloats.floatToF16(v));
            }
          }
          out.write(buf.array(), 0, buf.position());
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write safetensors file " + file + ": " + e.getMessage(), e);
    }
  }

  private static DType dtype(Path file, String name, JsonNode v) {
    if (v == null || !v.isTextual()) {
      throw bad(file, "tensor " + name + ": missing dtype");
    }
    try {
      return DType.valueOf(v.asText());
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

  private static IllegalArgumentException bad(Path file, String message) {
    return new IllegalArgumentException("safetensors file " + file + ": " + message);
  }
}
