package dev.spro.transforms.algo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Properties that must hold for every group, checked over many seeded random groups. */
class AdvantagePropertiesTest {
  static final int GROUPS = 300;

  /**
   * A random group: 1..8 responses of 1..12 tokens, log-ratios in [-2, 2], rewards 0/1 or real,
   * a sampling seed and a first wrong token (-1 or one of the response's tokens) each.
   */
  static ResponseGroup randomGroup(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int g = 1 + rnd.nextInt(8);
    double[][] ratios = new double[g][];
    double[] rewards = new double[g];
    boolean binary = rnd.nextBoolean();
    for (int i = 0; i < g; i++) {
      ratios[i] = new double[1 + rnd.nextInt(12)];
      for (int t = 0; t < ratios[i].length; t++) {
        ratios[i][t] = rnd.nextDouble(-2, 2);
      }
      rewards[i] = binary ? rnd.nextInt(2) : rnd.nextDouble(-1, 1);
    }
    long[] seeds = new long[g];
    int[] firstErrors = new int[g];
    for (int i = 0; i < g; i++) {
      seeds[i] = rnd.nextLong();
      firstErrors[i] = rnd.nextInt(ratios[i].length + 1) - 1;
    }
    return ResponseGroup.of(ratios, rewards).withSeeds(seeds).withFirstErrors(firstErrors);
  }

  static Stream<Arguments> groups() {
    return IntStream.range(0, GROUPS).mapToObj(s -> Arguments.of(s, randomGroup(s)));
  }

  static Stream<AdvantageConfig> msaConfigs() {
    AdvantageConfig base = AdvantageConfig.builder().beta(0.3).build();
    return Stream.of(base, base.toBuilder().msaStdNorm(true).build(), base.toBuilder().msaLeaveOneOut(true).build(),
        base.toBuilder().msaStdNorm(true).msaLeaveOneOut(true).build());
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("groups")
  void msaOfAliveResponsesSumsToZeroAtEveryStep(long seed, ResponseGroup g) {
    msaConfigs().forEach(config -> {
      double[][] msa = SproAdvantage.maskedStepAdvantage(g, config);
      for (int t = 0; t < g.maxLength(); t++) {
        double sum = 0;
        int alive = 0;
        for (int i = 0; i < g.size(); i++) {
          if (t < g.lengths()[i]) {
            sum += msa[i][t];
            alive++;
          }
        }
        assertEquals(0, sum, 1e-9, "step " + t + " " + config);
        if (alive == 1) {
          for (int i = 0; i < g.size(); i++) {
            if (t < g.lengths()[i]) {
              assertEquals(0.0, msa[i][t], "a lone survivor has MSA 0");
            }
          }
        }
      }
    });
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("groups")
  void aConstantAddedToEveryLogRatioAtAStepShiftsNothing(long seed, ResponseGroup g) {
    SplittableRandom rnd = new SplittableRandom(seed + 1000);
    int step = rnd.nextInt(g.maxLength());
    double c = rnd.nextDouble(-3, 3);
    double[][] shifted = new double[g.size()][];
    for (int i = 0; i < g.size(); i++) {
      shifted[i] = g.logRatios()[i].clone();
      if (step < g.lengths()[i]) {
        shifted[i][step] += c;
      }
    }
    ResponseGroup h = ResponseGroup.of(shifted, g.rewards());
    msaConfigs().forEach(config -> {
      double[][] a = AdvantageEstimators.get("spro").advantages(g, config);
      double[][] b = AdvantageEstimators.get("spro").advantages(h, config);
      for (int i = 0; i < g.size(); i++) {
        assertArrayEquals(a[i], b[i], 1e-6, "response " + i + " " + config);
      }
    });
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("groups")
  void sproWithBetaZeroIsGrpo(long seed, ResponseGroup g) {
    msaConfigs().forEach(config -> {
      AdvantageConfig zero = config.toBuilder().beta(0).build();
      double[][] spro = AdvantageEstimators.get("spro").advantages(g, zero);
      double[][] grpo = AdvantageEstimators.get("grpo").advantages(g, zero);
      for (int i = 0; i < g.size(); i++) {
        assertArrayEquals(grpo[i], spro[i], 0.0, "response " + i);
      }
    });
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("groups")
  void allEqualOutcomesGiveNoGrpoSignalButSproStillLearns(long seed, ResponseGroup g) {
    if (g.size() < 2) {
      return; // a group of one keeps its raw reward (mean 0, std 1): see groupOfOneFollowsVerl
    }
    double[] same = new double[g.size()];
    java.util.Arrays.fill(same, seed % 2);
    ResponseGroup equal = new ResponseGroup(g.logRatios(), g.lengths(), same);
    AdvantageConfig config = AdvantageConfig.builder().beta(0.5).build();
    double[][] grpo = AdvantageEstimators.get("grpo").advantages(equal, config);
    double maxSpro = 0;
    double[][] spro = AdvantageEstimators.get("spro").advantages(equal, config);
    for (int i = 0; i < g.size(); i++) {
      for (int t = 0; t < g.lengths()[i]; t++) {
        assertEquals(0.0, grpo[i][t]);
        maxSpro = Math.max(maxSpro, Math.abs(spro[i][t]));
      }
    }
    // Two responses alive at the same step with different CPRs give non-zero MSA.
    {
      assertTrue(maxSpro > 0, "SPRO should learn from differing log-ratios in an all-equal group");
      // ... unless the guard switches that off.
      double[][] guarded = AdvantageEstimators.get("spro")
          .advantages(equal, config.toBuilder().msaOnlyMixedGroups(true).build());
      for (double[] row : guarded) {
        for (double v : row) {
          assertEquals(0.0, v);
        }
      }
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("groups")
  void paddingNeverChangesAValue(long seed, ResponseGroup g) {
    SplittableRandom rnd = new SplittableRandom(seed + 7);
    double[][] padded = new double[g.size()][];
    for (int i = 0; i < g.size(); i++) {
      padded[i] = new double[g.lengths()[i] + 1 + rnd.nextInt(5)];
      System.arraycopy(g.logRatios()[i], 0, padded[i], 0, g.lengths()[i]);
      for (int t = g.lengths()[i]; t < padded[i].length; t++) {
        padded[i][t] = rnd.nextBoolean() ? Double.NaN : rnd.nextDouble(-100, 100); // garbage
      }
    }
    ResponseGroup p = new ResponseGroup(padded, g.lengths(), g.rewards(), g.seeds(), g.firstErrors());
    for (String name : AdvantageEstimators.names()) {
      msaConfigs().forEach(config -> {
        double[][] a = AdvantageEstimators.get(name).advantages(g, config);
        double[][] b = AdvantageEstimators.get(name).advantages(p, config);
        for (int i = 0; i < g.size(); i++) {
          for (int t = 0; t < padded[i].length; t++) {
            double expected = t < g.lengths()[i] ? a[i][t] : 0.0;
            assertEquals(expected, b[i][t], 0.0, name + " response " + i + " token " + t);
          }
        }
      });
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("groups")
  void msaClipBoundsEveryValueAndEveryEstimatorIsFinite(long seed, ResponseGroup g) {
    double bound = 0.05;
    AdvantageConfig clipped = AdvantageConfig.builder().beta(1.0).msaClip(bound).build();
    for (double[] row : SproAdvantage.maskedStepAdvantage(g, clipped)) {
      for (double v : row) {
        assertTrue(Math.abs(v) <= bound, v + " exceeds " + bound);
      }
    }
    for (String name : AdvantageEstimators.names()) {
      for (double[] row : AdvantageEstimators.get(name).advantages(g, clipped)) {
        for (double v : row) {
          assertTrue(Double.isFinite(v), name + " produced " + v);
        }
      }
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("groups")
  void mixedGroupsAreUntouchedByTheMixedGroupGuard(long seed, ResponseGroup g) {
    if (g.outcomesAllEqual()) {
      return;
    }
    AdvantageConfig config = AdvantageConfig.builder().beta(0.4).build();
    double[][] a = AdvantageEstimators.get("spro").advantages(g, config);
    double[][] b = AdvantageEstimators.get("spro").advantages(g, config.toBuilder().msaOnlyMixedGroups(true).build());
    for (int i = 0; i < g.size(); i++) {
      assertArrayEquals(a[i], b[i], 0.0);
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("groups")
  void rlooIsGOverGMinusOneTimesDrGrpo(long seed, ResponseGroup g) {
    if (g.size() < 2) {
      return;
    }
    AdvantageConfig config = AdvantageConfig.defaults();
    double[][] rloo = AdvantageEstimators.get("rloo").advantages(g, config);
    double[][] dr = AdvantageEstimators.get("drgrpo").advantages(g, config);
    double k = g.size() / (g.size() - 1.0);
    for (int i = 0; i < g.size(); i++) {
      for (int t = 0; t < g.lengths()[i]; t++) {
        assertEquals(k * dr[i][t], rloo[i][t], 1e-12);
      }
    }
    assertNotEquals(0, g.size());
  }
}
