package dev.nhl.encoder.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.Seeded;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The three products against naive triple loops, at sizes around the vector length, the kernel's
 * tiles (4 rows x 3, 2 or 1 vectors) and its inner block (128).
 */
@ExtendWith(Seeded.class)
class LinalgTest {

  @Test
  void productsMatchNaiveLoops(Random r) {
    // surefire's main run reads jdk.incubator.vector; its second run forces the scalar code
    assertEquals(!"scalar".equals(System.getProperty("nhl.vectorization")), Linalg.VECTOR);
    int[] sizes = {1, 7, 15, 16, 17, 31, 33, 64, 100, 129, 300};
    // 200 x 100 x 33 is past the size where rows are split across threads
    for (int m : new int[] {1, 3, 5, 40, 200}) {
      for (int k : sizes) {
        for (int n : new int[] {1, 5, 17, 33, 48, 70, 100}) {
          float[] a = GradientCheckTest.smooth(r, m * k, 1);
          float[] bnt = GradientCheckTest.smooth(r, n * k, 1);
          float[] c = new float[m * n];
          Arrays.fill(c, Float.NaN);
          Linalg.gemmNT(a, m, k, bnt, n, c, false);
          float[] ca = GradientCheckTest.smooth(r, m * n, 1);
          float[] ca0 = ca.clone();
          Linalg.gemmNT(a, m, k, bnt, n, ca, true);
          float[] bnn = GradientCheckTest.smooth(r, k * n, 1);
          float[] c2 = new float[m * n];
          Linalg.gemmNN(a, m, k, bnn, n, c2);
          float[] btn = GradientCheckTest.smooth(r, m * n, 1);
          float[] c3 = new float[k * n];
          Linalg.gemmTN(a, m, k, btn, n, c3);
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
              double nt = 0;
              double nn = 0;
              for (int p = 0; p < k; p++) {
                nt += a[i * k + p] * bnt[j * k + p];
                nn += a[i * k + p] * bnn[p * n + j];
              }
              assertEquals(nt, c[i * n + j], 1e-4 * Math.sqrt(k), "NT " + m + "x" + k + "x" + n);
              assertEquals(ca0[i * n + j] + nt, ca[i * n + j], 1e-4 * Math.sqrt(k), "NT+ " + m + "x" + k + "x" + n);
              assertEquals(nn, c2[i * n + j], 1e-4 * Math.sqrt(k), "NN " + m + "x" + k + "x" + n);
            }
          }
          for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
              double tn = 0;
              for (int i = 0; i < m; i++) {
                tn += a[i * k + p] * btn[i * n + j];
              }
              assertEquals(tn, c3[p * n + j], 1e-4 * Math.sqrt(m), "TN " + m + "x" + k + "x" + n);
            }
          }
        }
      }
    }
  }

  @Test
  void vectorKernelMatchesScalarLoopsOnEveryTileAndTail(Random r) {
    org.junit.jupiter.api.Assumptions.assumeTrue(Linalg.VECTOR, "the Vector API kernels do not run in this JVM");
    // strided A both ways (rows of A, and columns of A as A^T does), row ranges not starting at 0
    for (int rows : new int[] {1, 4, 6, 9}) {
      for (int inner : new int[] {1, 3, 127, 128, 129, 260}) {
        for (int n : new int[] {1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64, 65, 96, 100}) {
          int total = rows + 2;
          float[] a = GradientCheckTest.smooth(r, total * inner, 1);
          float[] b = GradientCheckTest.smooth(r, inner * n, 1);
          float[] c0 = GradientCheckTest.smooth(r, total * n, 1);
          for (boolean transposed : new boolean[] {false, true}) {
            int rs = transposed ? 1 : inner;
            int ps = transposed ? total : 1;
            float[] scalar = c0.clone();
            float[] vector = c0.clone();
            Linalg.scalarProduct(a, rs, ps, 2, total, inner, b, n, scalar);
            VectorOps.product(a, rs, ps, 2, total, inner, b, n, vector);
            for (int i = 0; i < scalar.length; i++) {
              assertEquals(scalar[i], vector[i], 1e-4 * Math.sqrt(inner),
                  rows + "x" + inner + "x" + n + (transposed ? " A^T" : "") + " at " + i);
            }
            for (int i = 0; i < 2 * n; i++) {
              assertEquals(c0[i], vector[i], "rows before the range are untouched");
            }
          }
        }
      }
    }
  }

  @Test
  void dhnPairTermsInVectorsMatchTheScalarForm(Random r) {
    org.junit.jupiter.api.Assumptions.assumeTrue(Linalg.VECTOR, "the Vector API kernels do not run in this JVM");
    for (int n : new int[] {1, 7, 8, 9, 15, 16, 17, 100}) {
      int off = 3;
      float[] dots = new float[off + n];
      float[] similar = new float[n];
      for (int j = 0; j < n; j++) {
        // both signs, near 0 and far out where the exponential underflows
        dots[off + j] = (float) (r.nextGaussian() * (j % 3 == 0 ? 80 : 3));
        similar[j] = r.nextBoolean() ? 1f : 0f;
      }
      float[] scalar = new float[off + n];
      float[] vector = new float[off + n];
      double s = Dhn.pairRow(dots, off, similar, 0, n, scalar);
      double v = VectorOps.dhnRow(dots, off, similar, n, vector);
      assertEquals(s, v, 1e-12 * Math.max(1, Math.abs(s)), "sum of " + n + " pair terms");
      for (int j = 0; j < off + n; j++) {
        assertEquals(scalar[j], vector[j], 1e-7f, "coefficient " + j + " of " + n);
      }
    }
  }
}
