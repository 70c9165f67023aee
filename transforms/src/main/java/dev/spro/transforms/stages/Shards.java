package dev.spro.transforms.stages;

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
}
