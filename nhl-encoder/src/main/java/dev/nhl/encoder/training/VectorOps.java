package dev.nhl.encoder.training;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The Vector API forms of {@link Linalg}'s inner loops; loaded only when the module is readable. */
final class VectorOps {

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private VectorOps() {}

  static float dot(float[] a, int ao, float[] b, int bo, int len) {
    int i = 0;
    int bound = S.loopBound(len);
    float s = 0;
    if (bound > 0) {
      // two accumulators: the FMA latency is hidden behind a second independent chain
      FloatVector acc0 = FloatVector.zero(S);
      FloatVector acc1 = FloatVector.zero(S);
      int step = S.length();
      for (; i + step < bound; i += 2 * step) {
        acc0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc0);
        acc1 = FloatVector.fromArray(S, a, ao + i + step).fma(FloatVector.fromArray(S, b, bo + i + step), acc1);
      }
      for (; i < bound; i += step) {
        acc0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc0);
      }
      s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    for (; i < len; i++) {
      s += a[ao + i] * b[bo + i];
    }
    return s;
  }

  static void axpy(float s, float[] x, int xo, float[] y, int yo, int len) {
    int i = 0;
    int bound = S.loopBound(len);
    FloatVector sv = FloatVector.broadcast(S, s);
    for (; i < bound; i += S.length()) {
      FloatVector.fromArray(S, x, xo + i).fma(sv, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
    }
    for (; i < len; i++) {
      y[yo + i] += s * x[xo + i];
    }
  }
}
