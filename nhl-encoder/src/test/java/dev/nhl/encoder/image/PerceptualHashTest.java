package dev.nhl.encoder.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import dev.nhl.index.Seeded;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(Seeded.class)
class PerceptualHashTest {

  /**
   * The hash as its javadoc defines it, written out plainly: block means of the luminance on a 32
   * x 32 grid (the image's sides are multiples of 32 here, so every cell averages whole blocks),
   * the DCT-II coefficients (u, v) by their formula, the first 64 after (0, 0) in order of u + v
   * then u, and a bit where a coefficient is above their median.
   */
  static byte[] oracle(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    double[][] g = new double[32][32];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = img.getRGB(x, y);
        g[y * 32 / h][x * 32 / w] += 0.299 * ((p >> 16) & 0xFF) + 0.587 * ((p >> 8) & 0xFF) + 0.114 * (p & 0xFF);
      }
    }
    double cell = (double) w * h / (32 * 32);
    List<double[]> order = new ArrayList<>();
    for (int s = 1; order.size() < 64; s++) {
      for (int u = 0; u <= s && order.size() < 64; u++) {
        int v = s - u;
        double c = 0;
        for (int y = 0; y < 32; y++) {
          for (int x = 0; x < 32; x++) {
            c += g[y][x] / cell * Math.cos((2 * y + 1) * u * Math.PI / 64) * Math.cos((2 * x + 1) * v * Math.PI / 64);
          }
        }
        order.add(new double[] {c});
      }
    }
    double[] coef = order.stream().mapToDouble(a -> a[0]).toArray();
    double[] sorted = coef.clone();
    Arrays.sort(sorted);
    double median = (sorted[31] + sorted[32]) / 2;
    byte[] out = new byte[8];
    for (int i = 0; i < 64; i++) {
      if (coef[i] > median) {
        out[i >>> 3] |= (byte) (0x80 >>> (i & 7));
      }
    }
    return out;
  }

  static BufferedImage random(Random r, int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    // smooth blobs, so that the low frequencies carry the picture as in a photo
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    for (int i = 0; i < 12; i++) {
      g.setColor(new java.awt.Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
      g.fillOval(r.nextInt(w) - w / 4, r.nextInt(h) - h / 4, w / 3 + r.nextInt(w / 2), h / 3 + r.nextInt(h / 2));
    }
    g.dispose();
    return img;
  }

  @Test
  void matchesItsDefinition(Random r) {
    for (int[] size : new int[][] {{32, 32}, {64, 96}, {320, 224}}) {
      BufferedImage img = random(r, size[0], size[1]);
      assertArrayEquals(oracle(img), PerceptualHash.of(img), Arrays.toString(size));
    }
  }

  @Test
  void copiesStayCloseAndOtherPicturesDoNot(Random r) {
    assertEquals(CodeSpec.of(16, 32, 64), PerceptualHash.SPEC);
    int unrelated = 0;
    int pairs = 0;
    for (int i = 0; i < 20; i++) {
      BufferedImage img = random(r, 320, 240);
      byte[] h = PerceptualHash.of(img);
      assertEquals(8, h.length);
      assertEquals(32, Long.bitCount(Codes.toLongs(h)[0]), "half the bits are set (a median split)");
      BufferedImage half = new BufferedImage(160, 120, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = half.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(img, 0, 0, 160, 120, null);
      g.dispose();
      assertTrue(Codes.hamming(h, PerceptualHash.of(half), 64) <= 6, "a half-size copy stays within 6 bits");
      BufferedImage other = random(r, 320, 240);
      unrelated += Codes.hamming(h, PerceptualHash.of(other), 64);
      pairs++;
    }
    double mean = unrelated / (double) pairs;
    assertTrue(mean > 20 && mean < 44, "unrelated pictures differ in about half the bits: " + mean);
  }

  static BufferedImage mirror(BufferedImage img) {
    BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        out.setRGB(img.getWidth() - 1 - x, y, img.getRGB(x, y));
      }
    }
    return out;
  }

  /** The mirrored hash is the definition's hash of the mirrored picture, and differs from the picture's own. */
  @Test
  void mirroredHashIsTheHashOfTheMirroredPicture(Random r) {
    int differ = 0;
    for (int[] size : new int[][] {{32, 32}, {64, 96}, {320, 224}}) {
      for (int i = 0; i < 5; i++) {
        BufferedImage img = random(r, size[0], size[1]);
        ImageDecoder.Pixels p = ImageDecoder.pixels(img);
        assertArrayEquals(oracle(mirror(img)), PerceptualHash.ofMirrored(p), Arrays.toString(size));
        differ += Codes.hamming(PerceptualHash.of(p), PerceptualHash.ofMirrored(p), 64);
      }
    }
    assertTrue(differ / 15.0 > 8, "mirroring moves a picture's hash: " + differ / 15.0 + " bits on average");
  }

  @Test
  void smallImagesAndBadInput() {
    BufferedImage tiny = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
    tiny.setRGB(0, 0, 0xFFFFFF);
    assertEquals(8, PerceptualHash.of(tiny).length);
    assertThrows(IllegalArgumentException.class, () -> PerceptualHash.of(new ImageDecoder.Pixels(0, 5, new int[0])));
    assertThrows(IllegalArgumentException.class, () -> PerceptualHash.ofMirrored(new ImageDecoder.Pixels(0, 5, new int[0])));
  }
}
