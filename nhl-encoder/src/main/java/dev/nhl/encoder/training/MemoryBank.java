package dev.nhl.encoder.training;

/**
 * Base of the pairwise objectives: a memory bank holding the latest outputs of every training item
 * seen so far, against which a batch's pairs are formed. Items not yet seen take no part.
 */
abstract class MemoryBank implements LengthObjective {

  final int bits;
  private final Labels labels;
  // items x bits
  final float[] bank;
  final float[] norm2;
  private final boolean[] filled;
  private int filledCount;

  MemoryBank(int bits, Labels labels) {
    this.bits = bits;
    this.labels = labels;
    this.bank = new float[labels.size() * bits];
    this.norm2 = new float[labels.size()];
    this.filled = new boolean[labels.size()];
  }

  @Override
  public final int bits() {
    return bits;
  }

  @Override
  public final void record(float[] u, int rows, int[] items) {
    for (int a = 0; a < rows; a++) {
      int j = items[a];
      System.arraycopy(u, a * bits, bank, j * bits, bits);
      norm2[j] = (float) squaredNorm(u, a * bits, bits);
      if (!filled[j]) {
        filled[j] = true;
        filledCount++;
      }
    }
  }

  final int items() {
    return filled.length;
  }

  final boolean filled(int j) {
    return filled[j];
  }

  final int filledCount() {
    if (filledCount == 0) {
      throw new IllegalStateException("the memory bank is empty: record a batch before taking its loss");
    }
    return filledCount;
  }

  final boolean relevant(int item, int j) {
    return labels.relevant(item, labels, j);
  }

  /** {@code u · U^T}, rows x items. */
  final float[] dots(float[] u, int rows) {
    float[] d = new float[rows * items()];
    Linalg.gemmNT(u, rows, bits, bank, items(), d, false);
    return d;
  }

  /**
   * {@code grad_a = scale * sum_j c_aj (u_a - U_j)}: the gradient of pair losses that are
   * {@code ±|u_a - U_j|^2 / 2}.
   */
  final void pairGradient(float[] u, int rows, float[] coef, float scale, float[] grad) {
    java.util.Arrays.fill(grad, 0, rows * bits, 0f);
    Linalg.gemmNN(coef, rows, items(), bank, bits, grad);
    for (int a = 0; a < rows; a++) {
      double rowSum = 0;
      for (int j = 0; j < items(); j++) {
        rowSum += coef[a * items() + j];
      }
      for (int b = 0; b < bits; b++) {
        int i = a * bits + b;
        grad[i] = (float) (scale * (rowSum * u[i] - grad[i]));
      }
    }
  }

  static double squaredNorm(float[] x, int from, int len) {
    double s = 0;
    for (int i = from; i < from + len; i++) {
      s += (double) x[i] * x[i];
    }
    return s;
  }
}
