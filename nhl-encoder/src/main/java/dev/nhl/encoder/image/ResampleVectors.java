package dev.nhl.encoder.image;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API forms of {@link Resampler.Plan}'s two passes over packed pixels; loaded only when
 * {@link dev.nhl.encoder.internal.Vectorization} says the kernels run, with the plan's scalar loops
 * as the fallback and the tests' oracle.
 *
 * <p>The horizontal pass computes a vector of neighbouring output columns at once: for each tap it
 * gathers the packed pixels those columns read, splits the three channels with shifts and masks,
 * and multiply-adds them with the tap's weights, laid out tap by tap so that one load gives a
 * vector of them (columns with fewer taps get zero weights on a repeated pixel). The vertical pass
 * reads contiguous rows and needs no gathers.
 */
final class ResampleVectors {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  private static final int L = F.length();

  private ResampleVectors() {}

  /** {@link Resampler.Plan#horizontalRgb} for every source row and output column of the plan. */
  static void horizontalRgb(Resampler.Plan p, int[] rgb, float[] t) {
    Resampler.Weights wx = p.wx();
    int cw = p.cw();
    int taps = wx.taps();
    int blocks = cw / L * L;
    // tap-major copies of the weights and of the pixels' columns
    float[] w = new float[taps * blocks];
    int[] col = new int[taps * blocks];
    for (int x = 0; x < blocks; x++) {
      int n = wx.count()[x];
      for (int i = 0; i < taps; i++) {
        w[i * blocks + x] = i < n ? wx.w()[x * taps + i] : 0f;
        col[i * blocks + x] = wx.first()[x] + Math.max(0, Math.min(i, n - 1));
      }
    }
    int plane = (p.rowTo() - p.rowFrom()) * cw;
    FloatVector zero = FloatVector.zero(F);
    for (int y = p.rowFrom(); y < p.rowTo(); y++) {
      int row = y * p.sw();
      int at = (y - p.rowFrom()) * cw;
      for (int x = 0; x < blocks; x += L) {
        FloatVector r = zero;
        FloatVector g = zero;
        FloatVector b = zero;
        for (int i = 0; i < taps; i++) {
          int k = i * blocks + x;
          IntVector v = IntVector.fromArray(I, rgb, row, col, k);
          FloatVector wi = FloatVector.fromArray(F, w, k);
          r = wi.fma(channel(v, 16), r);
          g = wi.fma(channel(v, 8), g);
          b = wi.fma(channel(v, 0), b);
        }
        r.intoArray(t, at + x);
        g.intoArray(t, plane + at + x);
        b.intoArray(t, 2 * plane + at + x);
      }
      for (int x = blocks; x < cw; x++) {
        p.horizontalRgb(rgb, y, x, t);
      }
    }
  }

  private static FloatVector channel(IntVector packed, int shift) {
    return (FloatVector) packed.lanewise(VectorOperators.LSHR, shift).and(0xFF).convert(VectorOperators.I2F, 0);
  }

  /** {@link Resampler.Plan#vertical} for every column of output row {@code y}. */
  static void vertical(Resampler.Plan p, float[] t, int from, int y, float a, float d, float[] line) {
    Resampler.Weights wy = p.wy();
    int cw = p.cw();
    int k = y * wy.taps();
    int n = wy.count()[y];
    int first = from + (wy.first()[y] - p.rowFrom()) * cw;
    FloatVector va = FloatVector.broadcast(F, a);
    FloatVector vd = FloatVector.broadcast(F, d);
    int x = 0;
    for (; x + L <= cw; x += L) {
      FloatVector s = FloatVector.zero(F);
      for (int i = 0; i < n; i++) {
        s = FloatVector.broadcast(F, wy.w()[k + i]).fma(FloatVector.fromArray(F, t, first + i * cw + x), s);
      }
      s.fma(va, vd).intoArray(line, x);
    }
    if (x < cw) {
      p.vertical(t, from, y, x, a, d, line);
    }
  }
}
