package dev.spro.transforms.stages;

import java.nio.charset.StandardCharsets;

/**
 * Seeds derived from (run seed, iteration, prompt id, sample index) — never from the clock or
 * from thread order — by SplitMix64 mixing, so every draw is reproducible and draws of different
 * samples are independent.
 */
public final class Seeds {
  private Seeds() {}

  /** The sampling seed of sample {@code sampleIndex} of {@code promptId} in {@code iteration}. */
  public static long sample(long runSeed, int iteration, String promptId, int sampleIndex) {
    long h = mix(runSeed ^ 0x5350524FL); // "SPRO"
    h = mix(h ^ iteration);
    h = mix(h ^ stableHash(promptId));
    return mix(h ^ sampleIndex);
  }

  /** The seed of a run-level purpose (data order of an epoch, model init, ...). */
  public static long of(long runSeed, String purpose, long index) {
    return mix(mix(runSeed ^ stableHash(purpose)) ^ index);
  }

  /** A 64-bit FNV-1a hash of the UTF-8 bytes: the same on every JVM, unlike String.hashCode's spread. */
  public static long stableHash(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
