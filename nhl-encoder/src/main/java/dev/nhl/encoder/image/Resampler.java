package dev.nhl.encoder.image;

import java.nio.FloatBuffer;

/**
 * Separable resampling with a triangle (bilinear) filter widened by the scale factor when
 * shrinking, so that every source pixel contributes (the antialiased bilinear of PIL).
 */
final class Resampler {

  private Resampler() {}

  /**
   * Resizes a plane from {@code sw x sh} to {@code dw x dh} and returns the window {@code [left,
   * left + cw) x [top, top + ch)} of the result.
   */
  static float[] resize(float[] src, int sw, int sh, int dw, int dh, int left, int top, int cw, int ch) {
    return plan(sw, sh, dw, dh, left, top, cw, ch).apply(src);
  }

  /** The weights of one resize and crop, computed once for every plane of an image. */
  static Plan plan(int sw, int sh, int dw, int dh, int left, int top, int cw, int ch) {
    Weights wx = weights(sw, dw, left, cw);
    Weights wy = weights(sh, dh, top, ch);
    // the source rows the vertical pass reads: the horizontal pass skips the others
    int rowFrom = sh;
    int rowTo = 0;
    for (int y = 0; y < ch; y++) {
      rowFrom = Math.min(rowFrom, wy.first[y]);
      rowTo = Math.max(rowTo, wy.first[y] + wy.count[y]);
    }
    return new Plan(sw, cw, ch, wx, wy, Math.min(rowFrom, rowTo), rowTo);
  }

  /** A resize and crop of planes of one size. */
  record Plan(int sw, int cw, int ch, Weights wx, Weights wy, int rowFrom, int rowTo) {

    /** The resized window of one plane of {@code sw x sh} values. */
    float[] apply(float[] src) {
      // horizontal pass over the source rows in use, then vertical pass
      float[] tmp = new float[(rowTo - rowFrom) * cw];
      for (int y = rowFrom; y < rowTo; y++) {
        int row = y * sw;
        int dst = (y - rowFrom) * cw;
        for (int x = 0; x < cw; x++) {
          float s = 0;
          int k = x * wx.taps;
          int from = row + wx.first[x];
          for (int t = 0, n = wx.count[x]; t < n; t++) {
            s += wx.w[k + t] * src[from + t];
          }
          tmp[dst + x] = s;
        }
      }
      float[] out = new float[ch * cw];
      for (int y = 0; y < ch; y++) {
        int k = y * wy.taps;
        int o = y * cw;
        for (int t = 0; t < wy.count[y]; t++) {
          float w = wy.w[k + t];
          int row = (wy.first[y] + t - rowFrom) * cw;
          for (int x = 0; x < cw; x++) {
            out[o + x] += w * tmp[row + x];
          }
        }
      }
      return out;
    }

    /**
     * The resized window of the three channels of packed 0xRRGGBB pixels ({@code sw} a row),
     * written channels first into {@code out} at {@code offset} as {@code v * scale[c] + shift[c]}:
     * the same values as {@link #apply} on each channel's plane followed by that affine map, in one
     * pass over the pixels instead of three. With {@code jdk.incubator.vector} readable both passes
     * run in {@link ResampleVectors} (the same values up to float rounding).
     */
    void applyRgb(int[] rgb, FloatBuffer out, int offset, float[] scale, float[] shift) {
      applyRgb(rgb, out, offset, scale, shift, dev.nhl.encoder.internal.Vectorization.enabled());
    }

    /** As {@link #applyRgb(int[], FloatBuffer, int, float[], float[])}, on the path asked for. */
    void applyRgb(int[] rgb, FloatBuffer out, int offset, float[] scale, float[] shift, boolean vector) {
      int rows = rowTo - rowFrom;
      // the horizontal pass's three channel planes, one after the other
      float[] t = new float[3 * rows * cw];
      if (vector) {
        ResampleVectors.horizontalRgb(this, rgb, t);
      } else {
        for (int y = rowFrom; y < rowTo; y++) {
          for (int x = 0; x < cw; x++) {
            horizontalRgb(rgb, y, x, t);
          }
        }
      }
      int plane = ch * cw;
      float[] line = new float[cw];
      for (int c = 0; c < 3; c++) {
        int from = c * rows * cw;
        for (int y = 0; y < ch; y++) {
          if (vector) {
            ResampleVectors.vertical(this, t, from, y, scale[c], shift[c], line);
          } else {
            vertical(t, from, y, 0, scale[c], shift[c], line);
          }
          out.put(offset + c * plane + y * cw, line, 0, cw);
        }
      }
    }

    /**
     * Output column {@code x} of source row {@code y} for the three channels, into the planes of
     * {@code t} (see {@link #applyRgb}).
     */
    void horizontalRgb(int[] rgb, int y, int x, float[] t) {
      float r = 0;
      float g = 0;
      float b = 0;
      int k = x * wx.taps;
      int from = y * sw + wx.first[x];
      for (int i = 0, n = wx.count[x]; i < n; i++) {
        float w = wx.w[k + i];
        int v = rgb[from + i];
        r += w * ((v >>> 16) & 0xFF);
        g += w * ((v >>> 8) & 0xFF);
        b += w * (v & 0xFF);
      }
      int rows = rowTo - rowFrom;
      int at = (y - rowFrom) * cw + x;
      t[at] = r;
      t[rows * cw + at] = g;
      t[2 * rows * cw + at] = b;
    }

    /**
     * Output row {@code y} of the plane at {@code from} in {@code t}, columns {@code [x0, cw)},
     * mapped by {@code v * a + d} into {@code line}.
     */
    void vertical(float[] t, int from, int y, int x0, float a, float d, float[] line) {
      // row by row, so that the inner loop reads contiguous values
      java.util.Arrays.fill(line, x0, cw, 0f);
      int k = y * wy.taps;
      for (int i = 0, n = wy.count[y]; i < n; i++) {
        float w = wy.w[k + i];
        int row = from + (wy.first[y] + i - rowFrom) * cw;
        for (int x = x0; x < cw; x++) {
          line[x] += w * t[row + x];
        }
      }
      for (int x = x0; x < cw; x++) {
        line[x] = line[x] * a + d;
      }
    }
  }

  /**
   * One axis's weights: output {@code i} reads {@code count[i]} inputs from {@code first[i]} with
   * weights {@code w[i * taps ...]}.
   */
  record Weights(int taps, int[] first, int[] count, float[] w) {}

  private static Weights weights(int in, int out, int from, int len) {
    double scale = (double) in / out;
    double support = Math.max(1, scale);
    int taps = (int) Math.ceil(support) * 2 + 1;
    int[] first = new int[len];
    int[] count = new int[len];
    float[] w = new float[len * taps];
    double[] tw = new double[taps];
    for (int i = 0; i < len; i++) {
      double centre = (from + i + 0.5) * scale;
      int lo = Math.max(0, (int) Math.floor(centre - support));
      int hi = Math.min(in, (int) Math.ceil(centre + support));
      double sum = 0;
      int n = 0;
      for (int j = lo; j < hi && n < taps; j++) {
        double d = Math.abs((j + 0.5 - centre) / support);
        double v = d < 1 ? 1 - d : 0;
        tw[n++] = v;
        sum += v;
      }
      first[i] = lo;
      count[i] = n;
      for (int t = 0; t < n; t++) {
        w[i * taps + t] = (float) (sum > 0 ? tw[t] / sum : 1.0 / n);
      }
    }
    return new Weights(taps, first, count, w);
  }
}
