package dev.spro.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of every layer for the tokens seen so far, {@code [B, kvHeads, past, headDim]}
 * each (after rotary embedding, before grouped-query repetition). The arrays live in the cache's
 * own manager, so per-step temporaries can be freed while the cache grows.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private int length;

  public KvCache(NDManager parent, int layers) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
  }

  /** The manager that owns the cached arrays (tests count what it holds). */
  NDManager manager() {
    return manager;
  }

  /** Number of cached positions (columns). */
  public int length() {
    return length;
  }

  NDArray keys(int layer) {
    return keys[layer];
  }

  NDArray values(int layer) {
    return values[layer];
  }

  /** Appends this step's keys and values of {@code layer}; returns the full ones. */
  NDArray[] append(int layer, NDArray k, NDArray v) {
    NDArray newK = keys[layer] == null ? k : keys[layer].concat(k, 2);
    NDArray newV = values[layer] == null ? v : values[layer].concat(v, 2);
    newK.attach(manager);
    newV.attach(manager);
    if (keys[layer] != null) {
      keys[layer].close();
      values[layer].close();
    }
    keys[layer] = newK;
    values[layer] = newV;
    if (layer == keys.length - 1) {
      length = (int) newK.getShape().get(2);
    }
    return new NDArray[] {newK, newV};
  }

  @Override
  public void close() {
    manager.close();
  }
}
