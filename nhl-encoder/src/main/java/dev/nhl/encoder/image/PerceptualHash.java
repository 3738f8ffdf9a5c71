package dev.nhl.encoder.image;

import dev.nhl.index.CodeSpec;
import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * A perceptual hash of an image's pixels, for near-duplicates: 64 bits that stay nearly the same
 * when a photo is resized, recompressed, lightly cropped or colour-shifted, and differ in about
 * half their bits between unrelated photos. Unlike a trained model's codes, which put photos of
 * one kind together, it tells two shots of the same kind apart.
 *
 * <p>The image's luminance is averaged down to 32 x 32 and transformed by a 2-D DCT-II; the 64
 * lowest-frequency coefficients after the constant one, taken in order of frequency ({@code u + v}
 * ascending, then {@code u}), give one bit each: 1 where the coefficient is above their median.
 * The hash is nested ({@link #SPEC}): its first 16 or 32 bits are the coarsest frequencies, a
 * shorter hash of the same picture.
 *
 * <p>{@link #ofMirrored} is the hash of the image mirrored left to right, computed from the same
 * coefficients: mirroring negates those of odd horizontal frequency. A mirrored copy of a photo
 * has a hash near the photo's mirrored hash.
 */
public final class PerceptualHash {

  /** The hash's nested lengths. */
  public static final CodeSpec SPEC = CodeSpec.of(16, 32, 64);

  private static final int SIZE = 32;
  private static final int BITS = 64;
  // (u, v) of the coefficients used, lowest frequency first
  private static final int[][] ORDER = order();
  // COS[k][x] = cos((2x + 1) k pi / 64)
  private static final double[][] COS = cosines();

  private PerceptualHash() {}

  private static int[][] order() {
    int[][] out = new int[BITS][];
    int n = 0;
    for (int s = 1; n < BITS; s++) {
      for (int u = 0; u <= s && n < BITS; u++) {
        out[n++] = new int[] {u, s - u};
      }
    }
    return out;
  }

  private static double[][] cosines() {
    int k = 0;
    for (int[] uv : ORDER) {
      k = Math.max(k, Math.max(uv[0], uv[1]) + 1);
    }
    double[][] c = new double[k][SIZE];
    for (int f = 0; f < k; f++) {
      for (int x = 0; x < SIZE; x++) {
        c[f][x] = Math.cos((2 * x + 1) * f * Math.PI / (2 * SIZE));
      }
    }
    return c;
  }

  /**
   * The hash of an image, 8 bytes in nhl-index's code layout.
   *
   * @throws IllegalArgumentException if the image is empty
   */
  public static byte[] of(BufferedImage image) {
    return of(ImageDecoder.pixels(image));
  }

  /**
   * The hash of decoded pixels, 8 bytes in nhl-index's code layout.
   *
   * @throws IllegalArgumentException if the image is empty
   */
  public static byte[] of(ImageDecoder.Pixels p) {
    return bits(coefficients(p));
  }

  /**
   * The hash of the pixels mirrored left to right, 8 bytes in nhl-index's code layout: equal to
   * {@code of} of the mirrored image, without mirroring it.
   *
   * @throws IllegalArgumentException if the image is empty
   */
  public static byte[] ofMirrored(ImageDecoder.Pixels p) {
    double[] coef = coefficients(p);
    for (int i = 0; i < BITS; i++) {
      // the grid's columns reversed: cos of frequency v at 31 - x is (-1)^v times that at x
      if ((ORDER[i][1] & 1) == 1) {
        coef[i] = -coef[i];
      }
    }
    return bits(coef);
  }

  /** The 64 coefficients in use, lowest frequency first. */
  private static double[] coefficients(ImageDecoder.Pixels p) {
    int w = p.width();
    int h = p.height();
    if (w < 1 || h < 1) {
      throw new IllegalArgumentException("cannot hash an empty image (" + w + " x " + h + ")");
    }
    // area average of the luminance into a 32 x 32 grid; images smaller than the grid repeat pixels
    double[] grid = new double[SIZE * SIZE];
    int[] count = new int[SIZE * SIZE];
    int[] rgb = p.rgb();
    int gw = Math.max(w, SIZE);
    int gh = Math.max(h, SIZE);
    // each column's source pixel and grid cell, worked out once (no division per pixel)
    int[] srcX = new int[gw];
    int[] cellX = new int[gw];
    for (int x = 0; x < gw; x++) {
      srcX[x] = (int) ((long) x * w / gw);
      cellX[x] = (int) ((long) x * SIZE / gw);
    }
    for (int y = 0; y < gh; y++) {
      int row = (int) ((long) y * h / gh) * w;
      int cellRow = (int) ((long) y * SIZE / gh) * SIZE;
      for (int x = 0; x < gw; x++) {
        int v = rgb[row + srcX[x]];
        int c = cellRow + cellX[x];
        grid[c] += 0.299 * ((v >> 16) & 0xFF) + 0.587 * ((v >> 8) & 0xFF) + 0.114 * (v & 0xFF);
        count[c]++;
      }
    }
    for (int i = 0; i < grid.length; i++) {
      grid[i] /= count[i];
    }
    // the rows' transforms at each frequency in use, shared by the coefficients of that frequency
    double[][] rows = new double[COS.length][SIZE];
    for (int v = 0; v < COS.length; v++) {
      for (int y = 0; y < SIZE; y++) {
        double r = 0;
        for (int x = 0; x < SIZE; x++) {
          r += grid[y * SIZE + x] * COS[v][x];
        }
        rows[v][y] = r;
      }
    }
    double[] coef = new double[BITS];
    for (int i = 0; i < BITS; i++) {
      int u = ORDER[i][0];
      int v = ORDER[i][1];
      double s = 0;
      for (int y = 0; y < SIZE; y++) {
        s += rows[v][y] * COS[u][y];
      }
      coef[i] = s;
    }
    return coef;
  }

  private static byte[] bits(double[] coef) {
    double[] sorted = coef.clone();
    Arrays.sort(sorted);
    double median = (sorted[BITS / 2 - 1] + sorted[BITS / 2]) / 2;
    byte[] out = new byte[BITS / 8];
    for (int i = 0; i < BITS; i++) {
      if (coef[i] > median) {
        out[i >>> 3] |= (byte) (0x80 >>> (i & 7));
      }
    }
    return out;
  }
}
