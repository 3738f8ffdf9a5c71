package dev.nhl.encoder.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that declare far more pixels than they hold (a PNG of 20000 x 20000 in about a megabyte, a
 * JPEG of 30000 x 20000 in a few): decoded reduced to what a model needs, with the memory that
 * needs, measured as the bytes the decoding thread allocates; refused past a pixel limit before
 * any decoding.
 */
class LargeImagesTest {

  /** Heap a reduced decode may allocate: a few copies of a few megapixels, far below the 1.2 GB full size. */
  static final long BUDGET = 300L << 20;

  static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }

  @Test
  void aHugePngDecodesSubsampledInBoundedMemory(@TempDir Path tmp) throws IOException {
    Path png = tmp.resolve("huge.png");
    TestImages.writePng(png, 20000, 20000);
    assertTrue(Files.size(png) < 4 << 20, "the file is small: " + Files.size(png));
    long before = allocated();
    ImageDecoder.Pixels p = ImageDecoder.decode(png, 256);
    long used = allocated() - before;
    assertTrue(used < BUDGET, "allocated " + (used >> 20) + " MB");
    // every 78th row and column: the short side stays at 256 or more
    assertEquals(257, p.width());
    assertEquals(257, p.height());
    // the stripes the file was written with (each 2,000 rows tall) are where they were
    assertEquals(TestImages.stripe(0), p.rgb()[0]);
    assertEquals(TestImages.stripe(10000), p.rgb()[(10000 / 78 + 1) * p.width()]);
  }

  @Test
  void aHugeJpegDecodesReducedInBoundedMemory(@TempDir Path tmp) throws IOException {
    Path jpeg = tmp.resolve("huge.jpg");
    TestImages.writeGrayJpeg(jpeg, 30000, 20000);
    long before = allocated();
    ImageDecoder.Pixels p = ImageDecoder.decode(jpeg, 256);
    long used = allocated() - before;
    assertTrue(used < BUDGET, "allocated " + (used >> 20) + " MB");
    assertTrue(Math.min(p.width(), p.height()) >= 256, p.width() + " x " + p.height());
    assertTrue((long) p.width() * p.height() <= 30000L * 20000 / 64, p.width() + " x " + p.height());
    // every block's coefficients are 0: mid grey
    assertEquals(0x808080, p.rgb()[p.rgb().length / 2]);
  }

  @Test
  void pastThePixelLimitAFileIsRefusedBeforeDecoding(@TempDir Path tmp) throws IOException {
    Path png = tmp.resolve("big.png");
    TestImages.writePng(png, 3000, 2000);
    IOException e = assertThrows(IOException.class, () -> ImageDecoder.decode(png, 256, 5_000_000));
    assertTrue(e.getMessage().contains("declares 3000 x 2000 pixels (6 megapixels), more than the limit of 5 "
        + "megapixels"), e.getMessage());
    assertEquals(3000, ImageDecoder.decode(png, 0, 6_000_000).width());
    Path jpeg = tmp.resolve("big.jpg");
    TestImages.writeGrayJpeg(jpeg, 30000, 20000);
    e = assertThrows(IOException.class, () -> ImageDecoder.decode(jpeg, 256, 100_000_000));
    assertTrue(e.getMessage().contains("declares 30000 x 20000 pixels (600 megapixels), more than the limit of 100 "
        + "megapixels"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ImageDecoder.decode(png, 256, 0));
  }


  /** A JPEG cut short is refused with what is wrong; one with bytes after its end is read. */
  @Test
  void aTruncatedJpegIsRefusedAndATrailerIsNot(@TempDir Path tmp) throws IOException {
    Path whole = tmp.resolve("whole.jpg");
    TestImages.writeGrayJpeg(whole, 640, 480);
    byte[] bytes = Files.readAllBytes(whole);
    Path cut = tmp.resolve("cut.jpg");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    IOException e = assertThrows(IOException.class, () -> ImageDecoder.decode(cut, 256));
    assertTrue(e.getMessage().contains("the JPEG is truncated (it ends before its end-of-image marker, after "
        + bytes.length / 2 + " bytes)"), e.getMessage());
    Path trailer = tmp.resolve("trailer.jpg");
    byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 100);
    Files.write(trailer, longer);
    assertEquals(640, ImageDecoder.decode(trailer, 0).width());
    assertEquals(640, ImageDecoder.decode(whole, 0).width());
  }
}
