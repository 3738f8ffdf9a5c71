package dev.nhl.encoder.image;

import java.util.Random;

/**
 * Views of an image for training: view 0 is the image as it is; every other view is mirrored or
 * not (even odds) and cut to a random part of the image (half of its area to all of it, aspect
 * ratio 3:4 to 4:3), the augmentations of random-resized-crop training, milder in area because
 * the model's own preprocessing then crops the centre again.
 * A view depends only on the image, its number and the seed, so that views can be made again.
 */
public final class Augmentation {

  /** The smallest share of the image's area a crop keeps. */
  static final double MIN_AREA = 0.5;

  private Augmentation() {}

  /**
   * View {@code k} of an image.
   *
   * @param k 0 for the image itself, above 0 for an augmented view
   * @param seed the seed the augmented views are drawn from
   */
  public static ImageDecoder.Pixels view(ImageDecoder.Pixels p, int k, long seed) {
    if (k < 0) {
      throw new IllegalArgumentException("view must be at least 0, got " + k);
    }
    if (k == 0) {
      return p;
    }
    Random r = new Random(seed * 0x9E3779B97F4A7C15L + k);
    int w = p.width();
    int h = p.height();
    int cw = w;
    int ch = h;
    for (int attempt = 0; attempt < 10; attempt++) {
      double area = w * (double) h * (MIN_AREA + (1 - MIN_AREA) * r.nextDouble());
      double ratio = Math.exp(Math.log(3 / 4.0) + r.nextDouble() * (Math.log(4 / 3.0) - Math.log(3 / 4.0)));
      int tw = (int) Math.round(Math.sqrt(area * ratio));
      int th = (int) Math.round(Math.sqrt(area / ratio));
      if (tw >= 1 && th >= 1 && tw <= w && th <= h) {
        cw = tw;
        ch = th;
        break;
      }
    }
    int left = r.nextInt(w - cw + 1);
    int top = r.nextInt(h - ch + 1);
    boolean mirror = r.nextBoolean();
    int[] rgb = p.rgb();
    int[] out = new int[cw * ch];
    for (int y = 0; y < ch; y++) {
      int src = (top + y) * w + left;
      for (int x = 0; x < cw; x++) {
        out[y * cw + x] = rgb[src + (mirror ? cw - 1 - x : x)];
      }
    }
    return new ImageDecoder.Pixels(cw, ch, out);
  }
}
