package dev.spro.models.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Engine memory freed between live tensors stays resident in malloc's arenas until it is handed
 * back: the test fragments the arenas as stages do (tensors of a few MB, most freed, every tenth
 * kept), shows that closing them left the memory resident, and that {@link NativeMemory#release}
 * returns it.
 */
class NativeMemoryTest {
  @Test
  void freedArenaMemoryLeavesTheProcessWhenReleased() throws Exception {
    assertTrue(NativeMemory.release(), "this Linux has glibc's malloc_trim");
    try (NDManager m = Engine.getInstance().newBaseManager()) {
      // a big block freed raises malloc's mmap threshold (to at most 32 MB): what follows goes to the arenas
      m.ones(new Shape(30 << 18)).close();
      List<NDArray> all = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        all.add(m.ones(new Shape((1 << 18) + (i % 7) * (1 << 17)))); // 1 to 4 MB each, 1 GB in all
      }
      List<NDArray> kept = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        if (i % 10 == 0) {
          kept.add(all.get(i));
        } else {
          all.get(i).close();
        }
      }
      long closed = NativeMemory.residentBytes();
      NativeMemory.release();
      long released = NativeMemory.residentBytes();
      long freed = closed - released;
      assertTrue(freed > 500L << 20, "release handed back only " + (freed >> 20) + " MB of the ~900 MB closed");
      kept.forEach(NDArray::close);
    }
  }
}
