package dev.spro.models.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Arrays created from Java values in memory the engine owns and frees when the array is closed.
 *
 * <p>DJL's {@code NDManager.create(float[])} copies the values into a direct {@link ByteBuffer}
 * and hands PyTorch a view of it ({@code from_blob}): the tensor's memory is then the buffer's, and
 * closing the tensor does not free it — the garbage collector does, whenever it next runs. With a
 * heap that rarely fills, gigabytes of closed weights, moments and gradient chunks stay resident
 * (up to {@code -XX:MaxDirectMemorySize}, which defaults to the heap's size). Here the view is
 * copied into the engine's own memory and the buffer is freed at once, so what a stage closes
 * leaves the process.
 */
public final class EngineArrays {
  private static final sun.misc.Unsafe UNSAFE = unsafe();

  private EngineArrays() {}

  /** {@code values} as an fp32 array of {@code shape} on {@code manager}. */
  public static NDArray create(NDManager manager, float[] values, Shape shape) {
    return create(manager, values, 0, values.length, shape);
  }

  /** Most values staged at once: one direct buffer cannot hold 2 GiB, and a 7B model's embeddings are 2.2 GB. */
  static final int PIECE = 1 << 28;

  /** {@code values[at, at + count)} as an fp32 array of {@code shape} on {@code manager}. */
  public static NDArray create(NDManager manager, float[] values, int at, int count, Shape shape) {
    if (shape.size() != count) {
      throw new IllegalArgumentException("shape " + shape + " holds " + shape.size() + " values, got " + count);
    }
    if (count <= PIECE) {
      return piece(manager, values, at, count, shape);
    }
    // in pieces of at most 1 GiB, joined on the engine
    try (NDManager pieces = manager.newSubManager()) {
      ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList();
      for (int done = 0; done < count; done += PIECE) {
        int n = Math.min(PIECE, count - done);
        parts.add(piece(pieces, values, at + done, n, new Shape(n)));
      }
      NDArray joined = ai.djl.ndarray.NDArrays.concat(parts, 0).reshape(shape);
      joined.attach(manager);
      return joined;
    }
  }

  private static NDArray piece(NDManager manager, float[] values, int at, int count, Shape shape) {
    ByteBuffer staging = ByteBuffer.allocateDirect(Math.multiplyExact(count, 4)).order(ByteOrder.nativeOrder());
    try {
      staging.asFloatBuffer().put(values, at, count);
      try (NDArray view = manager.create(staging, shape, DataType.FLOAT32)) {
        return view.duplicate();
      }
    } finally {
      UNSAFE.invokeCleaner(staging);
    }
  }

  private static sun.misc.Unsafe unsafe() {
    try {
      Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return (sun.misc.Unsafe) f.get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot free direct buffers without sun.misc.Unsafe: " + e.getMessage(), e);
    }
  }
}
