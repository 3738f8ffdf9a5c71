package dev.nhl.encoder.training;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Dense row-major float kernels for training: the three matrix products a network's forward and
 * backward passes need, all reduced to one form, {@code C += A * B} with {@code B} row-major and
 * {@code A} read through strides (so that {@code A^T} costs no copy). Rows of the result are split
 * across the common fork-join pool when the product is large enough to pay for it. With {@code
 * jdk.incubator.vector} readable ({@code --add-modules jdk.incubator.vector}) the product runs in
 * {@link VectorOps}' register-blocked kernel, otherwise in plain loops (same results up to float
 * rounding).
 */
final class Linalg {

  /** Whether the Vector API kernels run; the vector code lives in a class of its own. */
  static final boolean VECTOR = dev.nhl.encoder.internal.Vectorization.enabled();

  /** Below this many multiply-adds a product runs on the calling thread. */
  private static final long PARALLEL_WORK = 1L << 18;

  private Linalg() {}

  /** {@code C[m x n] (+)= A[m x k] * B[n x k]^T}: dot products of rows. */
  static void gemmNT(float[] a, int m, int k, float[] b, int n, float[] c, boolean accumulate) {
    assert a.length >= (long) m * k && b.length >= (long) n * k && c.length >= (long) m * n;
    if (!accumulate) {
      Arrays.fill(c, 0, m * n, 0f);
    }
    // B^T is as large as B, which is the smaller operand in every use (weights, or a batch's codes)
    float[] bt = new float[k * n];
    for (int j = 0; j < n; j++) {
      for (int p = 0; p < k; p++) {
        bt[p * n + j] = b[j * k + p];
      }
    }
    product(a, k, 1, m, k, bt, n, c);
  }

  /** {@code C[m x n] += A[m x k] * B[k x n]}. */
  static void gemmNN(float[] a, int m, int k, float[] b, int n, float[] c) {
    assert a.length >= (long) m * k && b.length >= (long) k * n && c.length >= (long) m * n;
    product(a, k, 1, m, k, b, n, c);
  }

  /** {@code C[k x n] += A[m x k]^T * B[m x n]}: the weight gradient of a linear layer. */
  static void gemmTN(float[] a, int m, int k, float[] b, int n, float[] c) {
    assert a.length >= (long) m * k && b.length >= (long) m * n && c.length >= (long) k * n;
    product(a, 1, k, k, m, b, n, c);
  }

  /**
   * {@code C[rows x n] += A * B[inner x n]} where {@code A(r, p) = a[r * rowStride + p *
   * innerStride]}.
   */
  private static void product(float[] a, int rowStride, int innerStride, int rows, int inner, float[] b, int n,
      float[] c) {
    ranges(rows, (long) rows * n * inner, (from, to) -> {
      if (VECTOR) {
        VectorOps.product(a, rowStride, innerStride, from, to, inner, b, n, c);
      } else {
        scalarProduct(a, rowStride, innerStride, from, to, inner, b, n, c);
      }
    });
  }

  /** {@link VectorOps#product}'s contract in plain loops. */
  static void scalarProduct(float[] a, int rs, int ps, int from, int to, int inner, float[] b, int n, float[] c) {
    for (int r = from; r < to; r++) {
      for (int p = 0; p < inner; p++) {
        float s = a[r * rs + p * ps];
        if (s != 0f) {
          axpy(s, b, p * n, c, r * n, n);
        }
      }
    }
  }

  /** {@code y[yo..yo+len) += s * x[xo..xo+len)}. */
  static void axpy(float s, float[] x, int xo, float[] y, int yo, int len) {
    for (int i = 0; i < len; i++) {
      y[yo + i] += s * x[xo + i];
    }
  }

  interface RangeTask {
    void run(int from, int to);
  }

  /** Runs {@code task} over {@code [0, count)}, in chunks whose starts are multiples of 4 when split. */
  private static void ranges(int count, long work, RangeTask task) {
    int blocks = (count + 3) / 4;
    if (work < PARALLEL_WORK || blocks < 2) {
      task.run(0, count);
      return;
    }
    int chunks = Math.min(blocks, 4 * Runtime.getRuntime().availableProcessors());
    IntStream.range(0, chunks).parallel().forEach(ch -> {
      int from = (int) ((long) blocks * ch / chunks) * 4;
      int to = Math.min(count, (int) ((long) blocks * (ch + 1) / chunks) * 4);
      task.run(from, to);
    });
  }
}
