package dev.nhl.encoder;

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
    Weights wx = weights(sw, dw, left, cw);
    Weights wy = weights(sh, dh, top, ch);
    // horizontal pass over every source row, then vertical pass
    float[] tmp = new float[sh * cw];
    for (int y = 0; y < sh; y++) {
      int row = y * sw;
      for (int x = 0; x < cw; x++) {
        float s = 0;
        int k = x * wx.taps;
        for (int t = 0; t < wx.count[x]; t++) {
          s += wx.w[k + t] * src[row + wx.first[x] + t];
        }
        tmp[y * cw + x] = s;
      }
    }
    float[] out = new float[ch * cw];
    for (int y = 0; y < ch; y++) {
      int k = y * wy.taps;
      for (int t = 0; t < wy.count[y]; t++) {
        float w = wy.w[k + t];
        int row = (wy.first[y] + t) * cw;
        for (int x = 0; x < cw; x++) {
          out[y * cw + x] += w * tmp[row + x];
        }
      }
    }
    return out;
  }

  private record Weights(int taps, int[] first, int[] count, float[] w) {}

  private static Weights weights(int in, int out, int from, int len) {
    double scale = (double) in / out;
    double support = Math.max(1, scale);
    int taps = (int) Math.ceil(support) * 2 + 1;
    int[] first = new int[len];
    int[] count = new int[len];
    float[] w = new float[len * taps];
    for (int i = 0; i < len; i++) {
      double centre = (from + i + 0.5) * scale;
      int lo = Math.max(0, (int) Math.floor(centre - support));
      int hi = Math.min(in, (int) Math.ceil(centre + support));
      double sum = 0;
      int n = 0;
      double[] tw = new double[taps];
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
