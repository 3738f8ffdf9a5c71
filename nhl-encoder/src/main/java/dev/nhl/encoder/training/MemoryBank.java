package dev.nhl.encoder.training;

/**
 * Base of the pairwise objectives: a memory bank holding the latest outputs of every training item
 * seen so far, against which a batch's pairs are formed. Items not yet seen take no part. With a
 * sample size, each batch pairs with that many seen items drawn at random when it is recorded
 * (the cost of a batch then no longer grows with the training set); without, with all of them.
 */
abstract class MemoryBank implements LengthObjective {

  final int bits;
  private final Labels labels;
  // items x bits
  final float[] bank;
  final float[] norm2;
  private final boolean[] filled;
  private int filledCount;
  private final int sample;
  private final java.util.Random random;
  // the bank items a batch pairs with, and their rows and squared norms one after the other
  private int[] active = new int[0];
  private float[] activeRows = new float[0];
  private float[] activeNorm2 = new float[0];

  MemoryBank(int bits, Labels labels) {
    this(bits, labels, 0, 0);
  }

  /**
   * @param sample bank items a batch pairs with, drawn when the batch is recorded; 0 for all
   * @param seed seed of the draws
   */
  MemoryBank(int bits, Labels labels, int sample, long seed) {
    if (sample < 0) {
      throw new IllegalArgumentException("pair sample must be at least 0, got " + sample);
    }
    this.bits = bits;
    this.labels = labels;
    this.bank = new float[labels.size() * bits];
    this.norm2 = new float[labels.size()];
    this.filled = new boolean[labels.size()];
    this.sample = sample;
    this.random = new java.util.Random(seed);
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
    int[] seen = new int[filledCount];
    int k = 0;
    for (int j = 0; j < filled.length; j++) {
      if (filled[j]) {
        seen[k++] = j;
      }
    }
    if (sample > 0 && seen.length > sample) {
      // the first `sample` of a partial shuffle, kept in bank order
      for (int i = 0; i < sample; i++) {
        int x = i + random.nextInt(seen.length - i);
        int t = seen[i];
        seen[i] = seen[x];
        seen[x] = t;
      }
      seen = java.util.Arrays.copyOf(seen, sample);
      java.util.Arrays.sort(seen);
    }
    active = seen;
    activeRows = new float[active.length * bits];
    activeNorm2 = new float[active.length];
    for (int i = 0; i < active.length; i++) {
      System.arraycopy(bank, active[i] * bits, activeRows, i * bits, bits);
      activeNorm2[i] = norm2[active[i]];
    }
  }

  /** Bank items a batch pairs with, numbered {@code 0..pairCount()-1} ({@link #pairItem}). */
  final int pairCount() {
    if (active.length == 0) {
      throw new IllegalStateException("the memory bank is empty: record a batch before taking its loss");
    }
    return active.length;
  }

  /** The training item pair item {@code j} is. */
  final int pairItem(int j) {
    return active[j];
  }

  /** The squared norm of pair item {@code j}'s output. */
  final float pairNorm2(int j) {
    return activeNorm2[j];
  }

  /** Whether pair item {@code j} shares a label with the batch's {@code item}. */
  final boolean relevant(int item, int j) {
    return labels.relevant(item, labels, active[j]);
  }

  /** {@code u · U^T} over the pair items, rows x pairCount(). */
  final float[] dots(float[] u, int rows) {
    float[] d = new float[rows * pairCount()];
    Linalg.gemmNT(u, rows, bits, activeRows, pairCount(), d, false);
    return d;
  }

  /** {@code grad[rows x bits] += coef[rows x pairCount()] * U} over the pair items. */
  final void pairProduct(float[] coef, int rows, float[] grad) {
    Linalg.gemmNN(coef, rows, pairCount(), activeRows, bits, grad);
  }

  /**
   * {@code grad_a = scale * sum_j c_aj (u_a - U_j)}: the gradient of pair losses that are
   * {@code ±|u_a - U_j|^2 / 2}.
   */
  final void pairGradient(float[] u, int rows, float[] coef, float scale, float[] grad) {
    java.util.Arrays.fill(grad, 0, rows * bits, 0f);
    pairProduct(coef, rows, grad);
    int n = pairCount();
    for (int a = 0; a < rows; a++) {
      double rowSum = 0;
      for (int j = 0; j < n; j++) {
        rowSum += coef[a * n + j];
      }
      for (int b = 0; b < bits; b++) {
        int i = a * bits + b;
        grad[i] = (float) (scale * (rowSum * u[i] - grad[i]));
      }
    }
  }

  /**
   * The sum over a batch's rows of {@code row.applyAsDouble(a)}, rows run across the common pool
   * (each row writes only its own coefficients); summed in row order, so the total does not
   * depend on the threads.
   */
  static double sumOverRows(int rows, java.util.function.IntToDoubleFunction row) {
    double[] parts = new double[rows];
    java.util.stream.IntStream.range(0, rows).parallel().forEach(a -> parts[a] = row.applyAsDouble(a));
    double s = 0;
    for (double p : parts) {
      s += p;
    }
    return s;
  }

  static double squaredNorm(float[] x, int from, int len) {
    double s = 0;
    for (int i = from; i < from + len; i++) {
      s += (double) x[i] * x[i];
    }
    return s;
  }
}
