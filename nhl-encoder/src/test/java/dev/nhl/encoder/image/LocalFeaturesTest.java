package dev.nhl.encoder.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.Seeded;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(Seeded.class)
class LocalFeaturesTest {

  /** A picture with corners and blobs at many scales, as a photo has. */
  static BufferedImage scene(Random r, int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
    g.fillRect(0, 0, w, h);
    for (int i = 0; i < 60; i++) {
      g.setColor(new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
      int x = r.nextInt(w);
      int y = r.nextInt(h);
      int s = 6 + r.nextInt(w / 6);
      switch (r.nextInt(3)) {
        case 0 -> g.fillOval(x, y, s, s * (1 + r.nextInt(2)));
        case 1 -> g.fillRect(x, y, s, s / 2 + 3);
        default -> {
          g.setStroke(new BasicStroke(1 + r.nextInt(4)));
          g.drawLine(x, y, x + r.nextInt(w / 3) - w / 6, y + r.nextInt(h / 3) - h / 6);
        }
      }
    }
    g.dispose();
    return img;
  }

  /** Rotated by {@code degrees} about the centre, then {@code keep} of each side cut out at (fx, fy) of the room left. */
  static BufferedImage rotatedAndCropped(BufferedImage img, double degrees, double keep, double fx, double fy) {
    int w = img.getWidth();
    int h = img.getHeight();
    BufferedImage rot = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = rot.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    AffineTransform at = AffineTransform.getRotateInstance(Math.toRadians(degrees), w / 2.0, h / 2.0);
    g.drawImage(img, at, null);
    g.dispose();
    int cw = (int) (w * keep);
    int ch = (int) (h * keep);
    return rot.getSubimage((int) ((w - cw) * fx), (int) ((h - ch) * fy), cw, ch);
  }

  static byte[] features(BufferedImage img) {
    return LocalFeatures.of(ImageDecoder.pixels(img));
  }

  @Test
  void copiesAgreeOnManyPointsAndOtherPicturesOnFew(Random r) {
    int fewestForCopies = Integer.MAX_VALUE;
    int mostForOthers = 0;
    for (int i = 0; i < 6; i++) {
      BufferedImage img = scene(r, 400, 300);
      byte[] f = features(img);
      assertEquals(0, (f.length - 3) % LocalFeatures.BYTES_PER_POINT);
      int points = (f.length - 3) / LocalFeatures.BYTES_PER_POINT;
      assertTrue(points > 50 && points <= LocalFeatures.MAX_POINTS, "points: " + points);
      BufferedImage copy = rotatedAndCropped(img, r.nextBoolean() ? 5 : -5, 0.8, r.nextDouble(), r.nextDouble());
      fewestForCopies = Math.min(fewestForCopies, LocalFeatures.inliers(f, features(copy)));
      BufferedImage small = new BufferedImage(240, 180, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = small.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(img, 0, 0, 240, 180, null);
      g.dispose();
      fewestForCopies = Math.min(fewestForCopies, LocalFeatures.inliers(features(small), f));
      mostForOthers = Math.max(mostForOthers, LocalFeatures.inliers(f, features(scene(r, 400, 300))));
    }
    assertTrue(fewestForCopies >= 25, "a rotated, cropped or resized copy agrees on " + fewestForCopies + " points");
    assertTrue(mostForOthers < 15, "another picture agrees on " + mostForOthers + " points");
  }

  @Test
  void theSameInputGivesTheSameAnswer(Random r) {
    BufferedImage img = scene(r, 320, 240);
    byte[] f = features(img);
    assertArrayEquals(f, features(img));
    byte[] copy = features(rotatedAndCropped(img, 3, 0.85, 0.5, 0.5));
    assertEquals(LocalFeatures.inliers(f, copy), LocalFeatures.inliers(f, copy));
  }

  @Test
  void largeImagesAreReducedAndTinyOnesHaveNoMatches(Random r) {
    BufferedImage big = scene(r, 1600, 1200);
    byte[] f = features(big);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(f);
    b.get();
    int n = Short.toUnsignedInt(b.getShort());
    for (int i = 0; i < n; i++) {
      int x = Short.toUnsignedInt(b.getShort(3 + i * LocalFeatures.BYTES_PER_POINT));
      int y = Short.toUnsignedInt(b.getShort(5 + i * LocalFeatures.BYTES_PER_POINT));
      assertTrue(x <= LocalFeatures.MAX_SIDE * 8 && y <= LocalFeatures.MAX_SIDE * 8, "points lie in the reduced image");
    }
    BufferedImage tiny = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
    byte[] t = features(tiny);
    assertEquals(0, LocalFeatures.inliers(t, f));
  }

  @Test
  void badFormsAreRefusedWithWhatWasExpected(Random r) {
    byte[] f = features(scene(r, 200, 150));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LocalFeatures.inliers(java.util.Arrays.copyOf(f, f.length - 1), f));
    assertTrue(e.getMessage().contains("declare") && e.getMessage().contains("bytes"), e.getMessage());
    byte[] other = f.clone();
    other[0] = 7;
    e = assertThrows(IllegalArgumentException.class, () -> LocalFeatures.inliers(f, other));
    assertTrue(e.getMessage().contains("second features are not local features of version 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LocalFeatures.inliers(null, f));
    assertThrows(IllegalArgumentException.class, () -> LocalFeatures.of(new ImageDecoder.Pixels(0, 3, new int[0])));
  }
}
