package dev.spro.models.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * An array made from Java values gives its memory back when it is closed: the weights, moments
 * and gradient chunks a stage closes leave the process at once, not at the next garbage
 * collection (DJL's own {@code create} keeps them in a direct buffer until then — the test first
 * shows that it sees this).
 */
class EngineArraysTest {
  private static final int ELEMENTS = 32 << 20; // 128 MB of fp32
  private static final int ARRAYS = 8;

  @Test
  void aClosedArrayLeavesTheProcess() throws Exception {
    float[] values = new float[ELEMENTS];
    for (int i = 0; i < ELEMENTS; i++) {
      values[i] = i % 1000 - 500;
    }
    Shape shape = new Shape(ELEMENTS);
    try (NDManager m = Engine.getInstance().newBaseManager()) {
      try (NDArray check = EngineArrays.create(m, values, 5, 7, new Shape(7))) {
        assertArrayEquals(java.util.Arrays.copyOfRange(values, 5, 12), check.toFloatArray());
      }
      long before = NativeMemory.residentBytes();
      for (int i = 0; i < ARRAYS; i++) {
        try (NDArray a = m.create(values, shape)) {
          a.getShape();
        }
      }
      long djl = NativeMemory.residentBytes() - before;
      System.gc(); // frees what DJL's buffers held
      Thread.sleep(200);
      before = NativeMemory.residentBytes();
      for (int i = 0; i < ARRAYS; i++) {
        try (NDArray a = EngineArrays.create(m, values, shape)) {
          a.getShape();
        }
      }
      long ours = NativeMemory.residentBytes() - before;
      long total = (long) ARRAYS * ELEMENTS * 4;
      assertTrue(djl > total / 2, "DJL's create was expected to keep closed arrays resident: +" + (djl >> 20) + " MB");
      assertTrue(ours < total / 8, "closed arrays stayed resident: +" + (ours >> 20) + " MB of " + (total >> 20));
    }
  }
}
