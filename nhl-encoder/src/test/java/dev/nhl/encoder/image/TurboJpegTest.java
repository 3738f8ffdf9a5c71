package dev.nhl.encoder.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nhl.index.Seeded;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** libjpeg-turbo's decoding against ImageIO's, the route's choice of files, and reduced decoding. */
@ExtendWith(Seeded.class)
class TurboJpegTest {

  static final Path CALTECH = Path.of("../../shared/data/caltech101/101_ObjectCategories");

  /**
   * Photos decode to ImageIO's pixels up to the rounding of two implementations of the same
   * inverse DCT and upsampling: no channel more than a few levels apart, and on average well under
   * one.
   */
  @Test
  void photosDecodeAsImageIoDoes() throws IOException {
    assumeTrue(TurboJpeg.available(), "libturbojpeg is not installed here");
    assumeTrue(Files.isDirectory(CALTECH), "no Caltech-101 at " + CALTECH.toAbsolutePath());
    int photos = 0;
    for (String cls : List.of("accordion", "brain", "pizza", "Faces_easy", "airplanes", "watch")) {
      List<Path> files;
      try (var s = Files.list(CALTECH.resolve(cls))) {
        files = s.sorted().limit(5).toList();
      }
      for (Path f : files) {
        byte[] bytes = Files.readAllBytes(f);
        ImageDecoder.Pixels t = TurboJpeg.decode(bytes, 0);
        assertNotNull(t, f + " takes the libjpeg-turbo route");
        ImageDecoder.Pixels j = ImageDecoder.pixels(ImageIO.read(new ByteArrayInputStream(bytes)));
        assertEquals(j.width(), t.width(), f + " width");
        assertEquals(j.height(), t.height(), f + " height");
        int max = 0;
        long sum = 0;
        for (int i = 0; i < j.rgb().length; i++) {
          for (int shift = 0; shift <= 16; shift += 8) {
            int d = Math.abs((j.rgb()[i] >>> shift & 0xFF) - (t.rgb()[i] >>> shift & 0xFF));
            max = Math.max(max, d);
            sum += d;
          }
        }
        double mean = (double) sum / (3.0 * j.rgb().length);
        assertTrue(max <= 8, f + ": a channel differs by " + max);
        assertTrue(mean < 0.5, f + ": mean difference " + mean);
        photos++;
      }
    }
    assertEquals(30, photos);
  }

  /** A large JPEG comes out at the smallest of 1/8, 1/4, 1/2 that keeps the short side asked for. */
  @Test
  void largePhotosDecodeReduced(Random r) throws IOException {
    assumeTrue(TurboJpeg.available(), "libturbojpeg is not installed here");
    BufferedImage img = new BufferedImage(1024, 768, BufferedImage.TYPE_INT_RGB);
    // smooth gradients with a few blocks: a reduced decode is close to the area average
    for (int y = 0; y < 768; y++) {
      for (int x = 0; x < 1024; x++) {
        int red = x * 255 / 1023;
        int green = y * 255 / 767;
        int blue = (x / 128 + y / 128) % 2 == 0 ? 40 : 200;
        img.setRGB(x, y, red << 16 | green << 8 | blue);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", out);
    byte[] jpeg = out.toByteArray();
    int[][] cases = {{0, 1024, 768}, {700, 1024, 768}, {384, 512, 384}, {256, 512, 384}, {192, 256, 192}, {96, 128, 96},
      {10, 128, 96}};
    for (int[] c : cases) {
      ImageDecoder.Pixels p = TurboJpeg.decode(jpeg, c[0]);
      assertEquals(c[1], p.width(), "width for short side " + c[0]);
      assertEquals(c[2], p.height(), "height for short side " + c[0]);
      int f = 1024 / p.width();
      double err = 0;
      int n = 0;
      for (int k = 0; k < 200; k++) {
        int x = r.nextInt(p.width());
        int y = r.nextInt(p.height());
        int v = p.rgb()[y * p.width() + x];
        // the area average of the source block this pixel stands for
        double red = 0;
        for (int yy = y * f; yy < (y + 1) * f; yy++) {
          for (int xx = x * f; xx < (x + 1) * f; xx++) {
            red += img.getRGB(xx, yy) >> 16 & 0xFF;
          }
        }
        err += Math.abs(red / (f * f) - (v >> 16 & 0xFF));
        n++;
      }
      assertTrue(err / n < 4, "red of a 1/" + f + " decode is off by " + err / n + " on average");
    }
  }

  /** Files the route leaves to ImageIO: not JPEG, CMYK, a colour profile; ImageDecoder still reads them. */
  @Test
  void otherFilesAreLeftToImageIo(@TempDir Path dir) throws IOException {
    BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(img, "png", png);
    assertFalse(TurboJpeg.plainJpeg(png.toByteArray()));
    assertNull(TurboJpeg.decode(png.toByteArray(), 0));
    ByteArrayOutputStream jpg = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", jpg);
    byte[] plain = jpg.toByteArray();
    assertTrue(TurboJpeg.plainJpeg(plain));
    // an APP2 ICC_PROFILE segment after SOI
    byte[] tag = "ICC_PROFILE\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    ByteArrayOutputStream withIcc = new ByteArrayOutputStream();
    withIcc.write(plain, 0, 2);
    withIcc.write(0xFF);
    withIcc.write(0xE2);
    int len = 2 + tag.length + 2 + 8;
    withIcc.write(len >> 8);
    withIcc.write(len & 0xFF);
    withIcc.write(tag, 0, tag.length);
    withIcc.write(1);
    withIcc.write(1);
    withIcc.write(new byte[8], 0, 8);
    withIcc.write(plain, 2, plain.length - 2);
    assertFalse(TurboJpeg.plainJpeg(withIcc.toByteArray()));
    assertFalse(TurboJpeg.plainJpeg(new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3}));
    Path f = dir.resolve("icc.jpg");
    Files.write(f, withIcc.toByteArray());
    ImageDecoder.Pixels p = ImageDecoder.decode(f, 0);
    assertEquals(40, p.width());
    assertEquals(30, p.height());
  }
}
