package dev.nhl.encoder.training;

/**
 * Dominance-aware dynamic weighting of the per-length losses. A longer code's gradient on the rows
 * of the layer it shares with a shorter code can overwhelm the shorter code's own; where it pulls
 * against it by more than a tolerance, the longer length's weight is scaled down so that the
 * conflict stays within that tolerance.
 *
 * <p>For each shorter length s and longer t, on the rows {@code [0, K_s)} both gradients cover:
 * {@code d = <g_s, g_t>}; {@code τ_s = β ||g_s||^2 / (n - 1)}; {@code a(s,t) = τ_s / -d} when
 * {@code d < 0} and {@code -d > τ_s}, else 1; for {@code t >= s + 2}, {@code a(s,t) = min(a(s,t),
 * a(s,s+1))}. Then {@code w_0 = 1}, {@code w_t = prod_{s<t} a(s,t)}, renormalised to sum to n.
 */
final class DominanceWeighting {

  static final double DEFAULT_BETA = 1.0;

  private DominanceWeighting() {}

  /**
   * @param grads per length, the gradient of its loss with respect to the layer's weight rows
   *     {@code [0, K_i)}, row-major with {@code width} columns (rows {@code [0, K_s)} of a longer
   *     length are its first {@code K_s * width} entries)
   * @param lengths the code lengths, increasing
   * @return one weight per length, summing to {@code lengths.length}
   */
  static double[] weights(float[][] grads, int[] lengths, int width, double beta) {
    int n = lengths.length;
    double[] w = new double[n];
    java.util.Arrays.fill(w, 1.0);
    if (n == 1) {
      return w;
    }
    double[][] a = new double[n][n];
    for (int s = 0; s < n - 1; s++) {
      int shared = lengths[s] * width;
      assert grads[s].length == shared;
      double tau = beta * dot(grads[s], grads[s], shared) / (n - 1);
      for (int t = s + 1; t < n; t++) {
        assert grads[t].length >= shared;
        double d = dot(grads[s], grads[t], shared);
        a[s][t] = d < 0 && -d > tau ? tau / -d : 1.0;
        if (t >= s + 2) {
          a[s][t] = Math.min(a[s][t], a[s][s + 1]);
        }
      }
    }
    double sum = 0;
    for (int t = 0; t < n; t++) {
      for (int s = 0; s < t; s++) {
        w[t] *= a[s][t];
      }
      sum += w[t];
    }
    for (int t = 0; t < n; t++) {
      w[t] *= n / sum;
    }
    return w;
  }

  private static double dot(float[] x, float[] y, int len) {
    double s = 0;
    for (int i = 0; i < len; i++) {
      s += (double) x[i] * y[i];
    }
    return s;
  }
}
