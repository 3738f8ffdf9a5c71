package dev.nhl.encoder.training;

/** Deep Hashing Network for one code length (see {@link Objective#DHN}). */
final class Dhn extends MemoryBank {

  static final double ALPHA = 0.1;

  Dhn(int bits, Labels labels) {
    super(bits, labels);
  }

  Dhn(int bits, Labels labels, int sample, long seed) {
    super(bits, labels, sample, seed);
  }

  @Override
  public double lossAndGradient(float[] u, int rows, int[] items, float[] grad) {
    float[] dots = dots(u, rows);
    int n = pairCount();
    float[] coef = new float[rows * n];
    double loss = sumOverRows(rows, a -> {
      float[] similar = new float[n];
      for (int j = 0; j < n; j++) {
        similar[j] = relevant(items[a], j) ? 1f : 0f;
      }
      return Linalg.VECTOR ? VectorOps.dhnRow(dots, a * n, similar, n, coef)
          : pairRow(dots, a * n, similar, 0, n, coef);
    });
    double pairs = (double) rows * n;
    java.util.Arrays.fill(grad, 0, rows * bits, 0f);
    // dθ/du_a = U_j / 2
    pairProduct(coef, rows, grad);
    float scale = (float) (0.5 / pairs);
    for (int i = 0; i < rows * bits; i++) {
      grad[i] *= scale;
    }
    double values = (double) rows * bits;
    double quant = 0;
    for (int i = 0; i < rows * bits; i++) {
      double x = u[i];
      double d = Math.abs(x) - 1;
      quant += Math.log(Math.cosh(d));
      grad[i] += (float) (ALPHA * Math.tanh(d) * Math.signum(x) / values);
    }
    return loss / pairs + ALPHA * quant / values;
  }

  /**
   * Pairs {@code [from, n)} of one batch row: returns the sum of their likelihood terms {@code
   * softplus(θ) - sθ} ({@code θ} half of {@code dots[off + j]}, {@code s} is {@code similar[j]},
   * 0 or 1) and writes {@code sigmoid(θ) - s} to {@code coef[off + j]}.
   */
  static double pairRow(float[] dots, int off, float[] similar, int from, int n, float[] coef) {
    double sum = 0;
    for (int j = from; j < n; j++) {
      double theta = 0.5 * dots[off + j];
      double s = similar[j];
      // softplus(θ) = log(1 + e^-|θ|) + max(θ, 0) and sigmoid(θ) from one exponential
      double e = Math.exp(-Math.abs(theta));
      sum += Math.max(theta, 0) + Math.log1p(e) - s * theta;
      coef[off + j] = (float) ((theta >= 0 ? 1 / (1 + e) : e / (1 + e)) - s);
    }
    return sum;
  }
}
