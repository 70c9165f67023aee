package dev.spro.models.checkpoint;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each
 * tensor name to {@code {dtype, shape, data_offsets}} (plus optional {@code __metadata__}), then
 * the raw little-endian data.
 *
 * <p>{@link #read} and {@link #write} move whole files of tensors; {@link SafeTensorsReader} and
 * {@link SafeTensorsWriter}, which they are built on, move a tensor or a range of one at a time,
 * for stages that must not hold a model on the heap. Reading checks every claim of the header
 * first; writing is deterministic (tensors sorted by name) and atomic (a temporary file renamed
 * into place).
 */
public final class SafeTensors {

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

    /** Bytes per element. */
    public int elementBytes() {
      return bytes;
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
    try (SafeTensorsReader r = SafeTensorsReader.open(file)) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (String name : r.entries().keySet()) {
        if (wanted.test(name)) {
          tensors.put(name, r.tensor(name));
        }
      }
      return new Contents(tensors, r.metadata(), r.entries());
    }
  }

  /** Writes {@code tensors} (sorted by name) with {@code metadata}, atomically. */
  public static void write(Path file, Collection<Tensor> tensors, Map<String, String> metadata) {
    List<Entry> entries = tensors.stream().map(t -> new Entry(t.name(), t.dtype(), t.shape())).toList();
    try (SafeTensorsWriter w = SafeTensorsWriter.create(file, entries, metadata)) {
      for (Tensor t : tensors) {
        w.write(t.name(), t.values());
      }
      w.commit();
    }
  }
}
