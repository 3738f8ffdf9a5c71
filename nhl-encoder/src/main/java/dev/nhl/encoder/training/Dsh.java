package dev.nhl.encoder.training;

/** Deep Supervised Hashing for one code length (see {@link Objective#DSH}). */
final class Dsh extends MemoryBank {

  static final double ALPHA = 0.1;

  Dsh(int bits, Labels labels) {
    super(bits, labels);
  }

  Dsh(int bits, Labels labels, int sample, long seed) {
    super(bits, labels, sample, seed);
  }

  @Override
  public double lossAndGradient(float[] u, int rows, int[] items, float[] grad) {
    double margin = 2.0 * bits;
    float[] dots = dots(u, rows);
    // pair coefficient c: the pair's loss is c |u_a - U_j|^2 / 2 (plus a constant)
    int n = pairCount();
    float[] coef = new float[rows * n];
    double loss = sumOverRows(rows, a -> {
      double sum = 0;
      double ua = squaredNorm(u, a * bits, bits);
      for (int j = 0; j < n; j++) {
        double dist = Math.max(0, ua + pairNorm2(j) - 2 * dots[a * n + j]);
        if (relevant(items[a], j)) {
          sum += dist / 2;
          coef[a * n + j] = 1f;
        } else if (dist < margin) {
          sum += (margin - dist) / 2;
          coef[a * n + j] = -1f;
        }
      }
      return sum;
    });
    double pairs = (double) rows * n;
    pairGradient(u, rows, coef, (float) (1 / pairs), grad);
    double values = (double) rows * bits;
    double quant = 0;
    for (int i = 0; i < rows * bits; i++) {
      double x = u[i];
      double d = 1 - Math.abs(x);
      quant += Math.abs(d);
      grad[i] += (float) (ALPHA * -Math.signum(d) * Math.signum(x) / values);
    }
    return loss / pairs + ALPHA * quant / values;
  }
}
