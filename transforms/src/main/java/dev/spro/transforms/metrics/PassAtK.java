package dev.spro.transforms.metrics;

/**
 * pass@k from n samples of which c are correct, the unbiased estimator of Chen et al. (2021,
 * "Evaluating Large Language Models Trained on Code"): 1 − C(n−c, k) / C(n, k), the chance that k
 * of the n samples drawn without replacement include a correct one. Computed as the product
 * 1 − ∏_{i=n−c+1..n} (1 − k/i), which never forms the binomials (they overflow for n in the hundreds).
 */
public final class PassAtK {
  private PassAtK() {}

  public static double unbiased(int n, int c, int k) {
    if (n < 1 || c < 0 || c > n || k < 1 || k > n) {
      throw new IllegalArgumentException("pass@k needs 1 <= k <= n and 0 <= c <= n; got n=" + n + " c=" + c + " k=" + k);
    }
    if (n - c < k) {
      return 1.0;
    }
    double none = 1.0;
    for (int i = n - c + 1; i <= n; i++) {
      none *= 1.0 - (double) k / i;
    }
    return 1.0 - none;
  }
}
