package dev.spro.transforms.stages;

import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Which worker shard a prompt's elements go to: a stable hash of the prompt id, so shard contents
 * — and therefore batch compositions and summation orders — do not depend on how the runner
 * happened to distribute elements.
 */
public final class Shards {
  private Shards() {}

  public static int of(String promptId, int shards) {
    return (int) Math.floorMod(Seeds.stableHash(promptId), (long) shards);
  }

  /** Groups elements by the shard of their prompt id: each output is one shard's elements (unordered). */
  public static <T> PTransform<PCollection<T>, PCollection<KV<Integer, Iterable<T>>>> group(
      SerializableFunction<T, String> promptId, Coder<T> coder, int shards) {
    return byKey((T e) -> of(promptId.apply(e), shards), coder);
  }

  /**
   * Groups elements by an integer key of theirs (a shard, a parameter slice): each output is one
   * key's elements (unordered), on the worker the key hashes to.
   */
  public static <T> PTransform<PCollection<T>, PCollection<KV<Integer, Iterable<T>>>> byKey(
      SerializableFunction<T, Integer> key, Coder<T> coder) {
    return new PTransform<>() {
      @Override
      public PCollection<KV<Integer, Iterable<T>>> expand(PCollection<T> input) {
        return input
            .apply("KeyByShard", WithKeys.of(key).withKeyType(TypeDescriptors.integers()))
            .setCoder(KvCoder.of(VarIntCoder.of(), coder))
            .apply("GroupShards", GroupByKey.create());
      }
    };
  }
}
