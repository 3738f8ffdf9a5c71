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
      double sum = 0;
      for (int j = 0; j < n; j++) {
        double theta = 0.5 * dots[a * n + j];
        double s = relevant(items[a], j) ? 1 : 0;
        // softplus(θ) = log(1 + e^-|θ|) + max(θ, 0) and sigmoid(θ) from one exponential: the
        // same values as LengthObjective's, at a third of the exponentials for every pair
        // (Math.log where log1p would do: e is in (0, 1], and log is an intrinsic)
        double e = Math.exp(-Math.abs(theta));
        sum += Math.max(theta, 0) + Math.log(1 + e) - s * theta;
        coef[a * n + j] = (float) ((theta >= 0 ? 1 / (1 + e) : e / (1 + e)) - s);
      }
      return sum;
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
}
