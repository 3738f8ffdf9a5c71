package dev.nhl.encoder.training;

import java.util.stream.IntStream;

/**
 * Dense row-major float kernels for training: the three matrix products a two-layer network's
 * forward and backward passes need. Rows of the result are split across the common fork-join
 * pool when the product is large enough to pay for it. Dot products and axpy use the Vector API
 * when the JVM reads {@code jdk.incubator.vector} ({@code --add-modules jdk.incubator.vector}),
 * plain loops otherwise (same results up to float rounding).
 */
final class Linalg {

  /** Whether the incubator module is readable; the vector code lives in a class of its own. */
  static final boolean VECTOR = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  /** Below this many multiply-adds a product runs on the calling thread. */
  private static final long PARALLEL_WORK = 1L << 18;

  private Linalg() {}

  /** {@code C[m x n] (+)= A[m x k] * B[n x k]^T}: dot products of rows. */
  static void gemmNT(float[] a, int m, int k, float[] b, int n, float[] c, boolean accumulate) {
    assert a.length >= (long) m * k && b.length >= (long) n * k && c.length >= (long) m * n;
    rows(m, (long) m * n * k, i -> {
      int ai = i * k;
      int ci = i * n;
      for (int j = 0; j < n; j++) {
        float d = dot(a, ai, b, j * k, k);
        c[ci + j] = accumulate ? c[ci + j] + d : d;
      }
    });
  }

  /** {@code C[m x n] += A[m x k] * B[k x n]}: each row of C is a sum of scaled rows of B. */
  static void gemmNN(float[] a, int m, int k, float[] b, int n, float[] c) {
    assert a.length >= (long) m * k && b.length >= (long) k * n && c.length >= (long) m * n;
    rows(m, (long) m * n * k, i -> {
      for (int p = 0; p < k; p++) {
        float s = a[i * k + p];
        if (s != 0f) {
          axpy(s, b, p * n, c, i * n, n);
        }
      }
    });
  }

  /** {@code C[k x n] += A[m x k]^T * B[m x n]}: the weight gradient of a linear layer. */
  static void gemmTN(float[] a, int m, int k, float[] b, int n, float[] c) {
    assert a.length >= (long) m * k && b.length >= (long) m * n && c.length >= (long) k * n;
    rows(k, (long) m * n * k, p -> {
      for (int i = 0; i < m; i++) {
        float s = a[i * k + p];
        if (s != 0f) {
          axpy(s, b, i * n, c, p * n, n);
        }
      }
    });
  }

  static float dot(float[] a, int ao, float[] b, int bo, int len) {
    if (VECTOR) {
      return VectorOps.dot(a, ao, b, bo, len);
    }
    float s = 0;
    for (int i = 0; i < len; i++) {
      s += a[ao + i] * b[bo + i];
    }
    return s;
  }

  /** {@code y[yo..yo+len) += s * x[xo..xo+len)}. */
  static void axpy(float s, float[] x, int xo, float[] y, int yo, int len) {
    if (VECTOR) {
      VectorOps.axpy(s, x, xo, y, yo, len);
      return;
    }
    for (int i = 0; i < len; i++) {
      y[yo + i] += s * x[xo + i];
    }
  }

  interface RowTask {
    void run(int row);
  }

  private static void rows(int count, long work, RowTask task) {
    if (work < PARALLEL_WORK || count < 2) {
      for (int i = 0; i < count; i++) {
        task.run(i);
      }
      return;
    }
    int chunks = Math.min(count, 4 * Runtime.getRuntime().availableProcessors());
    IntStream.range(0, chunks).parallel().forEach(ch -> {
      int from = (int) ((long) count * ch / chunks);
      int to = (int) ((long) count * (ch + 1) / chunks);
      for (int i = from; i < to; i++) {
        task.run(i);
      }
    });
  }
}
