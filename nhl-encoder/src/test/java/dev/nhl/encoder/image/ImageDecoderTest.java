package dev.nhl.encoder.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.Seeded;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The direct read of interleaved sRGB pixels against {@code BufferedImage.getRGB}, the oracle. */
@ExtendWith(Seeded.class)
class ImageDecoderTest {

  static BufferedImage random(Random r, BufferedImage img) {
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        img.setRGB(x, y, r.nextInt() | 0xFF000000);
      }
    }
    return img;
  }

  static int[] viaGetRgb(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] &= 0xFFFFFF;
    }
    return rgb;
  }

  static void assertSamePixels(BufferedImage img, String what) {
    int[] direct = new int[img.getWidth() * img.getHeight()];
    assertTrue(ImageDecoder.interleavedSrgb(img, img.getRaster(), direct), what + " takes the direct path");
    assertArrayEquals(viaGetRgb(img), direct, what);
    assertArrayEquals(viaGetRgb(img), ImageDecoder.pixels(img).rgb(), what + " through pixels()");
  }

  @Test
  void interleavedLayoutsReadAsGetRgbDoes(Random r) {
    int w = 1 + r.nextInt(70);
    int h = 1 + r.nextInt(50);
    assertSamePixels(random(r, new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR)), "3-byte BGR");
    assertSamePixels(random(r, new BufferedImage(w, h, BufferedImage.TYPE_4BYTE_ABGR)), "4-byte ABGR");
    // RGB order, as the PNG reader lays it out
    ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
        Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
    WritableRaster raster = cm.createCompatibleWritableRaster(w, h);
    assertSamePixels(random(r, new BufferedImage(cm, raster, false, null)), "3-byte RGB");
    // a sub-image shares its parent's buffer from an offset
    BufferedImage big = random(r, new BufferedImage(w + 9, h + 7, BufferedImage.TYPE_3BYTE_BGR));
    assertSamePixels(big.getSubimage(4, 3, w, h), "sub-image");
  }

  @Test
  void decodedJpegsAndPngsReadAsGetRgbDoes(Random r) throws IOException {
    BufferedImage src = random(r, new BufferedImage(40 + r.nextInt(40), 30 + r.nextInt(30), BufferedImage.TYPE_INT_RGB));
    for (String format : new String[] {"jpeg", "png"}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      assertTrue(ImageIO.write(src, format, out));
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(out.toByteArray()));
      assertSamePixels(img, format);
    }
  }

  @Test
  void otherLayoutsAreLeftToGetRgb(Random r) {
    BufferedImage intRgb = random(r, new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB));
    assertFalse(ImageDecoder.interleavedSrgb(intRgb, intRgb.getRaster(), new int[20]));
    assertArrayEquals(viaGetRgb(intRgb), ImageDecoder.pixels(intRgb).rgb());
    BufferedImage premultiplied = random(r, new BufferedImage(5, 4, BufferedImage.TYPE_4BYTE_ABGR_PRE));
    assertFalse(ImageDecoder.interleavedSrgb(premultiplied, premultiplied.getRaster(), new int[20]));
  }
}
