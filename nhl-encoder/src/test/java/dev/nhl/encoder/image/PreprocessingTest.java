package dev.nhl.encoder.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.Seeded;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Orientation, colour layouts, resampling and normalisation of decoded images. */
@ExtendWith(Seeded.class)
class PreprocessingTest {

  @Test
  void orientationsMapPixelsAsExifDefines() {
    // a 3 x 2 image: pixel values are their index
    ImageDecoder.Pixels p = new ImageDecoder.Pixels(3, 2, new int[] {0, 1, 2, 3, 4, 5});
    // rows of the upright image for each orientation
    int[][] expected = {
      {0, 1, 2, 3, 4, 5}, // 1
      {2, 1, 0, 5, 4, 3}, // 2: mirrored
      {5, 4, 3, 2, 1, 0}, // 3: rotated 180
      {3, 4, 5, 0, 1, 2}, // 4: flipped
      {0, 3, 1, 4, 2, 5}, // 5: transposed
      {3, 0, 4, 1, 5, 2}, // 6: rotated 90 clockwise
      {5, 2, 4, 1, 3, 0}, // 7: transverse
      {2, 5, 1, 4, 0, 3}, // 8: rotated 90 counter-clockwise
    };
    for (int o = 1; o <= 8; o++) {
      ImageDecoder.Pixels q = ImageDecoder.orient(p, o);
      assertEquals(o >= 5 ? 2 : 3, q.width(), "width for orientation " + o);
      assertArrayEquals(expected[o - 1], q.rgb(), "orientation " + o);
    }
  }

  /** A JPEG with an EXIF orientation 6 comes out rotated: the left half red becomes the top half. */
  @Test
  void exifOrientationOfAJpeg(@TempDir Path dir) throws IOException {
    BufferedImage img = new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 64; x++) {
        img.setRGB(x, y, x < 32 ? 0xFF0000 : 0x0000FF);
      }
    }
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", jpeg);
    Path file = dir.resolve("rotated.jpg");
    Files.write(file, withExifOrientation(jpeg.toByteArray(), 6));
    assertEquals(6, ImageDecoder.orientation(file));
    ImageDecoder.Pixels p = ImageDecoder.decode(file);
    assertEquals(32, p.width());
    assertEquals(64, p.height());
    int top = p.rgb()[10 * 32 + 16];
    int bottom = p.rgb()[54 * 32 + 16];
    assertTrue((top >> 16 & 0xFF) > 200 && (top & 0xFF) < 60, "top is red: " + Integer.toHexString(top));
    assertTrue((bottom & 0xFF) > 200 && (bottom >> 16 & 0xFF) < 60, "bottom is blue: " + Integer.toHexString(bottom));
  }

  /** Inserts an APP1 EXIF segment (big-endian TIFF, IFD0 with one Orientation entry) after SOI. */
  static byte[] withExifOrientation(byte[] jpeg, int orientation) {
    byte[] tiff = {
      'M', 'M', 0, 42, 0, 0, 0, 8, // header, IFD0 at 8
      0, 1, // one entry
      0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, // Orientation, SHORT, 1, value
      0, 0, 0, 0 // no next IFD
    };
    byte[] exif = new byte[6 + tiff.length];
    System.arraycopy("Exif\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, exif, 0, 6);
    System.arraycopy(tiff, 0, exif, 6, tiff.length);
    int len = exif.length + 2;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    out.write(0xFF);
    out.write(0xE1);
    out.write(len >> 8);
    out.write(len & 0xFF);
    out.write(exif, 0, exif.length);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  /** Grayscale is read from the raster: 8-bit values exactly, 16-bit by their high byte. */
  @Test
  void grayscaleKeepsItsValues(@TempDir Path dir) throws IOException {
    BufferedImage g8 = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
    BufferedImage g16 = new BufferedImage(4, 1, BufferedImage.TYPE_USHORT_GRAY);
    int[] values = {0, 37, 128, 255};
    for (int x = 0; x < 4; x++) {
      g8.getRaster().setSample(x, 0, 0, values[x]);
      g16.getRaster().setSample(x, 0, 0, values[x] << 8 | 0x7F);
    }
    for (BufferedImage g : new BufferedImage[] {g8, g16}) {
      Path f = dir.resolve("g" + g.getType() + ".png");
      ImageIO.write(g, "png", f.toFile());
      ImageDecoder.Pixels p = ImageDecoder.decode(f);
      for (int x = 0; x < 4; x++) {
        int v = values[x];
        assertEquals(v << 16 | v << 8 | v, p.rgb()[x], "pixel " + x + " of type " + g.getType());
      }
    }
  }

  /** A four-component (CMYK) JPEG, as print workflows write them, decodes through TwelveMonkeys. */
  @Test
  void cmykJpeg(@TempDir Path dir) throws IOException {
    java.awt.image.WritableRaster raster = java.awt.image.Raster.createInterleavedRaster(
        java.awt.image.DataBuffer.TYPE_BYTE, 16, 16, 4, null);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        raster.setPixel(x, y, new int[] {200, 30, 90, 10});
      }
    }
    var writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    Path f = dir.resolve("cmyk.jpg");
    try (var out = ImageIO.createImageOutputStream(f.toFile())) {
      writer.setOutput(out);
      writer.write(null, new javax.imageio.IIOImage(raster, null, null), null);
    } finally {
      writer.dispose();
    }
    ImageDecoder.Pixels p = ImageDecoder.decode(f);
    assertEquals(16, p.width());
    assertEquals(16 * 16, p.rgb().length);
  }

  @Test
  void resamplingKeepsConstantsAndIdentity(Random r) {
    float[] c = new float[37 * 23];
    java.util.Arrays.fill(c, 91f);
    float[] out = Resampler.resize(c, 37, 23, 11, 7, 0, 0, 11, 7);
    for (float v : out) {
      assertEquals(91f, v, 1e-3);
    }
    float[] x = new float[9 * 5];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat() * 255;
    }
    assertArrayEquals(x, Resampler.resize(x, 9, 5, 9, 5, 0, 0, 9, 5), 1e-4f);
    // a window of the identity is a crop
    float[] crop = Resampler.resize(x, 9, 5, 9, 5, 2, 1, 3, 2);
    assertArrayEquals(new float[] {x[11], x[12], x[13], x[20], x[21], x[22]}, crop, 1e-4f);
    // halving averages pairs with the triangle weights 3/7, 3/7, 1/7 at the border (PIL's antialias)
    float[] row = {10, 20, 30, 40};
    float[] half = Resampler.resize(row, 4, 1, 2, 1, 0, 0, 2, 1);
    assertEquals((0.75 * 10 + 0.75 * 20 + 0.25 * 30) / 1.75, half[0], 1e-4);
    assertEquals((0.25 * 20 + 0.75 * 30 + 0.75 * 40) / 1.75, half[1], 1e-4);
  }

  @Test
  void normalisationOfAConstantImage() {
    Preprocessing p = Preprocessing.imagenet();
    int[] rgb = new int[300 * 200];
    java.util.Arrays.fill(rgb, 0x804020);
    float[] t = new float[3 * 224 * 224];
    p.tensor(rgb, 300, 200, 3, t, 0);
    int plane = 224 * 224;
    assertEquals((0x80 / 255f - 0.485f) / 0.229f, t[0], 1e-4);
    assertEquals((0x40 / 255f - 0.456f) / 0.224f, t[plane + 1000], 1e-4);
    assertEquals((0x20 / 255f - 0.406f) / 0.225f, t[2 * plane + plane - 1], 1e-4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Preprocessing(200, 224, new float[3], new float[] {1, 1, 1}));
    assertTrue(e.getMessage().contains("224") && e.getMessage().contains("200"), e.getMessage());
  }


  /**
   * The one-pass tensor of packed pixels equals the plain route: each channel unpacked into its own
   * plane, resized and cropped by {@link Resampler#resize}, then {@code (v / 255 - mean) / std}.
   */
  @Test
  void tensorEqualsResizingEachPlane(Random r) {
    Preprocessing p = Preprocessing.imagenet();
    int[][] sizes = {{300, 200}, {200, 300}, {224, 224}, {97, 140}, {1024, 683}, {256, 256}, {31, 500}};
    for (int[] size : sizes) {
      int w = size[0];
      int h = size[1];
      int[] rgb = new int[w * h];
      for (int i = 0; i < rgb.length; i++) {
        rgb[i] = r.nextInt(1 << 24);
      }
      float[] t = new float[3 * 224 * 224 + 5];
      p.tensor(rgb, w, h, 3, t, 5);
      int sw = w <= h ? 256 : Math.max(224, Math.round((float) w * 256 / h));
      int sh = w <= h ? Math.max(224, Math.round((float) h * 256 / w)) : 256;
      for (int c = 0; c < 3; c++) {
        float[] plane = new float[w * h];
        for (int i = 0; i < plane.length; i++) {
          plane[i] = (rgb[i] >>> (16 - 8 * c)) & 0xFF;
        }
        float[] resized = Resampler.resize(plane, w, h, sw, sh, (sw - 224) / 2, (sh - 224) / 2, 224, 224);
        for (int i = 0; i < resized.length; i++) {
          float expected = (resized[i] / 255f - p.mean()[c]) / p.std()[c];
          assertEquals(expected, t[5 + c * 224 * 224 + i], 1e-4, w + "x" + h + " channel " + c + " value " + i);
        }
      }
    }
  }

  /**
   * The Vector API passes equal the scalar loops on output widths around the vector length (whole
   * vectors, tails, fewer columns than a vector), enlarging and shrinking (more taps than columns'
   * weights), and crops off centre.
   */
  @Test
  void vectorPassesEqualScalarLoops(Random r) {
    org.junit.jupiter.api.Assumptions.assumeTrue(dev.nhl.encoder.internal.Vectorization.enabled(), "the Vector API kernels do not run in this JVM");
    int[][] cases = {
      // source w, h, resized w, h, crop left, top, width, height
      {300, 200, 384, 256, 80, 16, 224, 224}, {37, 23, 11, 7, 0, 0, 11, 7}, {9, 5, 9, 5, 2, 1, 3, 2},
      {1024, 683, 336, 224, 56, 0, 224, 224}, {50, 40, 17, 16, 0, 0, 17, 16}, {64, 64, 33, 31, 1, 2, 31, 29},
      {5, 300, 16, 960, 0, 100, 16, 15}, {640, 480, 48, 36, 8, 0, 32, 36}, {2, 2, 100, 100, 0, 0, 100, 100},
    };
    float[] scale = {1 / 58.4f, 1 / 57.1f, 1 / 57.4f};
    float[] shift = {-2.1f, -2.0f, -1.8f};
    for (int[] c : cases) {
      int[] rgb = new int[c[0] * c[1]];
      for (int i = 0; i < rgb.length; i++) {
        rgb[i] = r.nextInt(1 << 24);
      }
      Resampler.Plan plan = Resampler.plan(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
      int n = 3 * c[6] * c[7];
      float[] scalar = new float[n + 3];
      float[] vector = new float[n + 3];
      plan.applyRgb(rgb, java.nio.FloatBuffer.wrap(scalar), 3, scale, shift, false);
      plan.applyRgb(rgb, java.nio.FloatBuffer.wrap(vector), 3, scale, shift, true);
      assertArrayEquals(scalar, vector, 1e-4f, java.util.Arrays.toString(c));
    }
  }

  /** The tensor written into a direct buffer is the one written into an array; the position stays. */
  @Test
  void tensorIntoADirectBuffer(Random r) {
    Preprocessing p = Preprocessing.imagenet().withCrop(57);
    int[] rgb = new int[131 * 97];
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] = r.nextInt(1 << 24);
    }
    for (int channels : new int[] {1, 3}) {
      int n = channels * 57 * 57;
      float[] array = new float[n + 7];
      p.tensor(rgb, 131, 97, channels, array, 7);
      java.nio.FloatBuffer direct = java.nio.ByteBuffer.allocateDirect(4 * (n + 7))
          .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
      direct.position(2);
      p.tensor(rgb, 131, 97, channels, direct, 7);
      assertEquals(2, direct.position());
      float[] back = new float[n + 7];
      direct.clear().get(back);
      assertArrayEquals(array, back, 0f);
    }
    assertThrows(IllegalArgumentException.class, () -> p.tensor(rgb, 131, 97, 2, new float[3 * 57 * 57], 0));
  }
}
