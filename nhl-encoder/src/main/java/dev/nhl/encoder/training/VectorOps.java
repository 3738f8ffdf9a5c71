package dev.nhl.encoder.training;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API forms of {@link Linalg}'s product and of {@link Dhn}'s pair terms; loaded only
 * when the module is readable.
 *
 * <p>A register-blocked kernel: a tile of 4 rows x 3 vectors of {@code C} stays in registers while
 * the inner dimension runs, so each step loads 3 vectors of {@code B} and 4 scalars of {@code A}
 * for 12 fused multiply-adds, where a row-at-a-time update would load and store {@code C} for
 * every one (12 independent sums also cover the multiply-add's latency). Narrower tiles take the
 * columns left over. The inner dimension is cut in blocks so that the strip of {@code B} a column
 * block reads stays in the first-level cache across the rows.
 */
final class VectorOps {

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Inner block: 3 vectors x 128 rows of B is 24 KiB with 512-bit vectors. */
  private static final int KC = 128;

  private VectorOps() {}

  /**
   * {@code C[r x n] += A(r, p) * B[p x n]} for rows {@code r} in {@code [from, to)}, with {@code
   * A(r, p) = a[r * rs + p * ps]}.
   */
  static void product(float[] a, int rs, int ps, int from, int to, int inner, float[] b, int n, float[] c) {
    for (int p0 = 0; p0 < inner; p0 += KC) {
      int p1 = Math.min(inner, p0 + KC);
      int j = 0;
      for (; j + 3 * L <= n; j += 3 * L) {
        columns(3, a, rs, ps, from, to, p0, p1, b, n, j, c);
      }
      for (; j + 2 * L <= n; j += 2 * L) {
        columns(2, a, rs, ps, from, to, p0, p1, b, n, j, c);
      }
      for (; j < n; j += L) {
        columns(1, a, rs, ps, from, to, p0, p1, b, n, j, c);
      }
    }
  }

  /** One column block of {@code width} vectors (1: the last, maybe partial), every row of the range. */
  private static void columns(int width, float[] a, int rs, int ps, int from, int to, int p0, int p1, float[] b,
      int n, int j, float[] c) {
    VectorMask<Float> m = S.indexInRange(j, n);
    int r = from;
    for (; r + 4 <= to; r += 4) {
      switch (width) {
        case 3 -> tile4x3(a, rs, ps, r, p0, p1, b, n, j, c);
        case 2 -> tile4x2(a, rs, ps, r, p0, p1, b, n, j, c);
        default -> tile4x1(a, rs, ps, r, p0, p1, b, n, j, c, m);
      }
    }
    for (; r < to; r++) {
      if (width > 1) {
        tile1x2(a, rs, ps, r, p0, p1, b, n, j, c);
      }
      if (width != 2) {
        tile1x1(a, rs, ps, r, p0, p1, b, n, width == 3 ? j + 2 * L : j, c, m);
      }
    }
  }

  private static void tile4x3(float[] a, int rs, int ps, int r, int p0, int p1, float[] b, int n, int j, float[] c) {
    int c0 = r * n + j;
    int c1 = c0 + n;
    int c2 = c1 + n;
    int c3 = c2 + n;
    FloatVector x00 = FloatVector.fromArray(S, c, c0);
    FloatVector x01 = FloatVector.fromArray(S, c, c0 + L);
    FloatVector x02 = FloatVector.fromArray(S, c, c0 + 2 * L);
    FloatVector x10 = FloatVector.fromArray(S, c, c1);
    FloatVector x11 = FloatVector.fromArray(S, c, c1 + L);
    FloatVector x12 = FloatVector.fromArray(S, c, c1 + 2 * L);
    FloatVector x20 = FloatVector.fromArray(S, c, c2);
    FloatVector x21 = FloatVector.fromArray(S, c, c2 + L);
    FloatVector x22 = FloatVector.fromArray(S, c, c2 + 2 * L);
    FloatVector x30 = FloatVector.fromArray(S, c, c3);
    FloatVector x31 = FloatVector.fromArray(S, c, c3 + L);
    FloatVector x32 = FloatVector.fromArray(S, c, c3 + 2 * L);
    int ar = r * rs;
    for (int p = p0; p < p1; p++) {
      int bo = p * n + j;
      FloatVector b0 = FloatVector.fromArray(S, b, bo);
      FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
      FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * L);
      int ao = ar + p * ps;
      FloatVector v = FloatVector.broadcast(S, a[ao]);
      x00 = v.fma(b0, x00);
      x01 = v.fma(b1, x01);
      x02 = v.fma(b2, x02);
      v = FloatVector.broadcast(S, a[ao + rs]);
      x10 = v.fma(b0, x10);
      x11 = v.fma(b1, x11);
      x12 = v.fma(b2, x12);
      v = FloatVector.broadcast(S, a[ao + 2 * rs]);
      x20 = v.fma(b0, x20);
      x21 = v.fma(b1, x21);
      x22 = v.fma(b2, x22);
      v = FloatVector.broadcast(S, a[ao + 3 * rs]);
      x30 = v.fma(b0, x30);
      x31 = v.fma(b1, x31);
      x32 = v.fma(b2, x32);
    }
    x00.intoArray(c, c0);
    x01.intoArray(c, c0 + L);
    x02.intoArray(c, c0 + 2 * L);
    x10.intoArray(c, c1);
    x11.intoArray(c, c1 + L);
    x12.intoArray(c, c1 + 2 * L);
    x20.intoArray(c, c2);
    x21.intoArray(c, c2 + L);
    x22.intoArray(c, c2 + 2 * L);
    x30.intoArray(c, c3);
    x31.intoArray(c, c3 + L);
    x32.intoArray(c, c3 + 2 * L);
  }

  private static void tile4x2(float[] a, int rs, int ps, int r, int p0, int p1, float[] b, int n, int j, float[] c) {
    int c0 = r * n + j;
    int c1 = c0 + n;
    int c2 = c1 + n;
    int c3 = c2 + n;
    FloatVector x00 = FloatVector.fromArray(S, c, c0);
    FloatVector x01 = FloatVector.fromArray(S, c, c0 + L);
    FloatVector x10 = FloatVector.fromArray(S, c, c1);
    FloatVector x11 = FloatVector.fromArray(S, c, c1 + L);
    FloatVector x20 = FloatVector.fromArray(S, c, c2);
    FloatVector x21 = FloatVector.fromArray(S, c, c2 + L);
    FloatVector x30 = FloatVector.fromArray(S, c, c3);
    FloatVector x31 = FloatVector.fromArray(S, c, c3 + L);
    int ar = r * rs;
    for (int p = p0; p < p1; p++) {
      int bo = p * n + j;
      FloatVector b0 = FloatVector.fromArray(S, b, bo);
      FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
      int ao = ar + p * ps;
      FloatVector v = FloatVector.broadcast(S, a[ao]);
      x00 = v.fma(b0, x00);
      x01 = v.fma(b1, x01);
      v = FloatVector.broadcast(S, a[ao + rs]);
      x10 = v.fma(b0, x10);
      x11 = v.fma(b1, x11);
      v = FloatVector.broadcast(S, a[ao + 2 * rs]);
      x20 = v.fma(b0, x20);
      x21 = v.fma(b1, x21);
      v = FloatVector.broadcast(S, a[ao + 3 * rs]);
      x30 = v.fma(b0, x30);
      x31 = v.fma(b1, x31);
    }
    x00.intoArray(c, c0);
    x01.intoArray(c, c0 + L);
    x10.intoArray(c, c1);
    x11.intoArray(c, c1 + L);
    x20.intoArray(c, c2);
    x21.intoArray(c, c2 + L);
    x30.intoArray(c, c3);
    x31.intoArray(c, c3 + L);
  }

  private static void tile1x2(float[] a, int rs, int ps, int r, int p0, int p1, float[] b, int n, int j, float[] c) {
    int c0 = r * n + j;
    FloatVector x0 = FloatVector.fromArray(S, c, c0);
    FloatVector x1 = FloatVector.fromArray(S, c, c0 + L);
    int ar = r * rs;
    for (int p = p0; p < p1; p++) {
      int bo = p * n + j;
      FloatVector v = FloatVector.broadcast(S, a[ar + p * ps]);
      x0 = v.fma(FloatVector.fromArray(S, b, bo), x0);
      x1 = v.fma(FloatVector.fromArray(S, b, bo + L), x1);
    }
    x0.intoArray(c, c0);
    x1.intoArray(c, c0 + L);
  }

  private static void tile4x1(float[] a, int rs, int ps, int r, int p0, int p1, float[] b, int n, int j, float[] c,
      VectorMask<Float> m) {
    int c0 = r * n + j;
    int c1 = c0 + n;
    int c2 = c1 + n;
    int c3 = c2 + n;
    FloatVector x0 = FloatVector.fromArray(S, c, c0, m);
    FloatVector x1 = FloatVector.fromArray(S, c, c1, m);
    FloatVector x2 = FloatVector.fromArray(S, c, c2, m);
    FloatVector x3 = FloatVector.fromArray(S, c, c3, m);
    int ar = r * rs;
    for (int p = p0; p < p1; p++) {
      FloatVector b0 = FloatVector.fromArray(S, b, p * n + j, m);
      int ao = ar + p * ps;
      x0 = FloatVector.broadcast(S, a[ao]).fma(b0, x0);
      x1 = FloatVector.broadcast(S, a[ao + rs]).fma(b0, x1);
      x2 = FloatVector.broadcast(S, a[ao + 2 * rs]).fma(b0, x2);
      x3 = FloatVector.broadcast(S, a[ao + 3 * rs]).fma(b0, x3);
    }
    x0.intoArray(c, c0, m);
    x1.intoArray(c, c1, m);
    x2.intoArray(c, c2, m);
    x3.intoArray(c, c3, m);
  }

  private static void tile1x1(float[] a, int rs, int ps, int r, int p0, int p1, float[] b, int n, int j, float[] c,
      VectorMask<Float> m) {
    int c0 = r * n + j;
    FloatVector x0 = FloatVector.fromArray(S, c, c0, m);
    int ar = r * rs;
    for (int p = p0; p < p1; p++) {
      x0 = FloatVector.broadcast(S, a[ar + p * ps]).fma(FloatVector.fromArray(S, b, p * n + j, m), x0);
    }
    x0.intoArray(c, c0, m);
  }

  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
  private static final DoubleVector ONE = DoubleVector.broadcast(D, 1);
  /** As many floats as {@link #D} has doubles, for the conversions between them. */
  private static final VectorSpecies<Float> F = VectorSpecies.of(float.class,
      jdk.incubator.vector.VectorShape.forBitSize(D.vectorBitSize() / 2));

  /**
   * {@link Dhn#pairRow}'s contract with the exponential and logarithm of whole vectors, in double
   * precision as the scalar form.
   */
  static double dhnRow(float[] dots, int off, float[] similar, int n, float[] coef) {
    int step = D.length();
    int bound = n - n % step;
    DoubleVector sum = DoubleVector.zero(D);
    int j = 0;
    for (; j < bound; j += step) {
      DoubleVector theta = ((DoubleVector) FloatVector.fromArray(F, dots, off + j)
          .convertShape(VectorOperators.F2D, D, 0)).mul(0.5);
      DoubleVector s = (DoubleVector) FloatVector.fromArray(F, similar, j).convertShape(VectorOperators.F2D, D, 0);
      DoubleVector e = theta.abs().neg().lanewise(VectorOperators.EXP);
      DoubleVector onePlus = e.add(1);
      sum = sum.add(theta.max(0).add(e.lanewise(VectorOperators.LOG1P)).sub(s.mul(theta)));
      // sigmoid(θ): 1 / (1 + e) for θ >= 0, e / (1 + e) below
      DoubleVector sigmoid = e.div(onePlus).blend(ONE.div(onePlus), theta.compare(VectorOperators.GE, 0));
      ((FloatVector) sigmoid.sub(s).convertShape(VectorOperators.D2F, F, 0)).intoArray(coef, off + j);
    }
    double total = sum.reduceLanes(VectorOperators.ADD);
    return total + Dhn.pairRow(dots, off, similar, j, n, coef);
  }
}
