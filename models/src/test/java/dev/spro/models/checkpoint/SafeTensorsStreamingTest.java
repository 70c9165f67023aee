package dev.spro.models.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tensors moved a range at a time ({@link SafeTensorsReader}, {@link SafeTensorsWriter}), as the
 * gradient step and checkpoint loading move them so that no stage holds a model on the heap: the
 * same bytes as a whole-file write, whatever the order of the ranges.
 */
class SafeTensorsStreamingTest {
  @TempDir Path tmp;

  private static float[] ramp(int n, float scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (i - n / 3f) * scale;
    }
    return v;
  }

  private static final SafeTensors.Tensor A = new SafeTensors.Tensor("a.weight", SafeTensors.DType.F32, new long[] {3, 5}, ramp(15, 0.37f));
  private static final SafeTensors.Tensor B = new SafeTensors.Tensor("b", SafeTensors.DType.BF16, new long[] {7}, ramp(7, 1.1f));
  private static final SafeTensors.Tensor C = new SafeTensors.Tensor("c", SafeTensors.DType.F16, new long[] {2, 2}, ramp(4, 0.5f));
  private static final Map<String, String> META = Map.of("format", "pt", "step", "3");

  @Test
  void rangesWrittenInAnyOrderGiveTheBytesOfAWholeWrite() throws Exception {
    Path whole = tmp.resolve("whole.safetensors");
    SafeTensors.write(whole, List.of(A, B, C), META);
    Path streamed = tmp.resolve("streamed.safetensors");
    List<SafeTensors.Entry> entries = List.of(new SafeTensors.Entry("c", C.dtype(), C.shape()),
        new SafeTensors.Entry("a.weight", A.dtype(), A.shape()), new SafeTensors.Entry("b", B.dtype(), B.shape()));
    try (SafeTensorsWriter w = SafeTensorsWriter.create(streamed, entries, META)) {
      w.write("c", 2, C.values(), 2, 2);
      w.write("a.weight", 9, A.values(), 9, 6);
      w.write("c", 0, C.values(), 0, 2);
      w.write("b", B.values());
      w.write("a.weight", 0, A.values(), 0, 9);
      w.commit();
    }
    assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(streamed));
    assertFalse(Files.exists(tmp.resolve("streamed.safetensors.tmp")));
  }

  @Test
  void rangesReadWhatAWholeReadReads() {
    Path file = tmp.resolve("t.safetensors");
    SafeTensors.write(file, List.of(A, B, C), META);
    Map<String, SafeTensors.Tensor> whole = SafeTensors.read(file).tensors();
    try (SafeTensorsReader r = SafeTensorsReader.open(file)) {
      assertEquals(META, r.metadata());
      assertEquals(List.of("a.weight", "b", "c"), List.copyOf(r.entries().keySet()));
      for (SafeTensors.Tensor t : whole.values()) {
        float[] pieces = new float[t.values().length];
        for (int at = 0; at < pieces.length; at += 2) {
          int n = Math.min(2, pieces.length - at);
          r.read(t.name(), at, pieces, at, n);
        }
        assertArrayEquals(t.values(), pieces, t.name());
      }
      // bf16 widened exactly as the whole read widens it
      float[] two = new float[2];
      r.read("b", 3, two, 0, 2);
      assertArrayEquals(Arrays.copyOfRange(whole.get("b").values(), 3, 5), two);
      assertThrows(IndexOutOfBoundsException.class, () -> r.read("b", 6, two, 0, 2));
      IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> r.tensor("d"));
      assertTrue(none.getMessage().contains(file + " has no tensor d"), none.getMessage());
    }
  }

  @Test
  void aFileIsCommittedOnlyWhenEveryElementWasWritten() {
    Path file = tmp.resolve("partial.safetensors");
    List<SafeTensors.Entry> entries = List.of(new SafeTensors.Entry("a.weight", A.dtype(), A.shape()),
        new SafeTensors.Entry("b", B.dtype(), B.shape()));
    try (SafeTensorsWriter w = SafeTensorsWriter.create(file, entries, Map.of())) {
      w.write("a.weight", A.values());
      w.write("b", 0, B.values(), 0, 4);
      IllegalStateException e = assertThrows(IllegalStateException.class, w::commit);
      assertTrue(e.getMessage().contains("tensor b of " + file + ": 4 of 7 elements written"), e.getMessage());
      assertThrows(IndexOutOfBoundsException.class, () -> w.write("b", 5, B.values(), 0, 4));
      assertThrows(IllegalArgumentException.class, () -> w.write("c", C.values()));
    }
    // closed without a commit: neither the file nor its temporary is left
    assertFalse(Files.exists(file));
    assertFalse(Files.exists(tmp.resolve("partial.safetensors.tmp")));
  }
}
