package dev.spro.transforms.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Golden values: 1 - comb(n-c, k)/comb(n, k) with Python's exact integers (math.comb), as fractions. */
class PassAtKTest {
  @Test
  void equalsTheExactBinomialEstimator() {
    assertEquals(0.3, PassAtK.unbiased(10, 3, 1), 1e-15);               // pass@1 is the mean: c/n
    assertEquals(1 - 21.0 / 45, PassAtK.unbiased(10, 3, 2), 1e-15);      // 1 - C(7,2)/C(10,2)
    assertEquals(1 - 35.0 / 210, PassAtK.unbiased(10, 3, 4), 1e-15);     // 1 - C(7,4)/C(10,4)
    assertEquals(1.0, PassAtK.unbiased(10, 3, 8), 0);                    // fewer than k wrong ones: always
    assertEquals(0.0, PassAtK.unbiased(16, 0, 4), 0);
    assertEquals(1.0, PassAtK.unbiased(4, 1, 4), 0);                     // k = n: any correct one
    assertEquals(0.0, PassAtK.unbiased(4, 0, 4), 0);
    // n = 200, c = 13, k = 10: 1 - comb(187, 10)/comb(200, 10) = 0.49755111473060615 (Python, exact fractions)
    assertEquals(0.49755111473060615, PassAtK.unbiased(200, 13, 10), 1e-14);
  }

  @Test
  void refusesImpossibleCounts() {
    assertThrows(IllegalArgumentException.class, () -> PassAtK.unbiased(4, 5, 1));
    assertThrows(IllegalArgumentException.class, () -> PassAtK.unbiased(4, 1, 5));
    assertThrows(IllegalArgumentException.class, () -> PassAtK.unbiased(4, 1, 0));
  }
}
