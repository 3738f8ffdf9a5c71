package dev.nhl.encoder.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.Seeded;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The three products against naive triple loops, at sizes around the vector length. */
@ExtendWith(Seeded.class)
class LinalgTest {

  @Test
  void productsMatchNaiveLoops(Random r) {
    assertTrue(Linalg.VECTOR, "tests run with --add-modules jdk.incubator.vector");
    int[] sizes = {1, 7, 15, 16, 17, 31, 33, 64, 100};
    // 200 x 100 x 33 is past the size where rows are split across threads
    for (int m : new int[] {1, 3, 40, 200}) {
      for (int k : sizes) {
        for (int n : new int[] {1, 5, 17, 33}) {
          float[] a = GradientCheckTest.smooth(r, m * k, 1);
          float[] bnt = GradientCheckTest.smooth(r, n * k, 1);
          float[] c = new float[m * n];
          Linalg.gemmNT(a, m, k, bnt, n, c, false);
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
}
