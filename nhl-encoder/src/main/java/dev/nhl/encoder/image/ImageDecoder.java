package dev.nhl.encoder.image;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.metadata.Metadata;
import com.drew.metadata.MetadataException;
import com.drew.metadata.exif.ExifIFD0Directory;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Decodes an image file to packed RGB pixels, upright: JPEG (through the system's libjpeg-turbo
 * when it is there, Debian package {@code libturbojpeg0}; CMYK, YCCK and colour-managed JPEGs, and
 * every JPEG without the library, through TwelveMonkeys' ImageIO reader), PNG, GIF, BMP and what
 * other ImageIO plugins are present; 8- and 16-bit grayscale are read from the raster (no
 * colour-space conversion); the EXIF orientation is applied.
 *
 * <p>Memory is bounded by what the caller needs, not by what a file declares: the dimensions are
 * read from the header first, an image that declares more than a limit of pixels ({@link
 * #DEFAULT_MAX_PIXELS}, or the one given) is refused before any decoding, and a reduced decode
 * ({@code minShortSide} above 0) keeps only every s-th row and column while decoding (libjpeg-turbo's
 * scaling, or ImageIO's source subsampling), so that a 1 MB PNG declaring 400 megapixels costs a
 * few megabytes.
 */
public final class ImageDecoder {

  static {
    ImageIO.setUseCache(false);
  }

  /**
   * The most pixels an image may declare, by default: a gigapixel, ten times a large camera's
   * photo. Past it a file is refused with a message naming the limit.
   */
  public static final long DEFAULT_MAX_PIXELS = 1_000_000_000L;

  private ImageDecoder() {}

  /**
   * Packed 0xRRGGBB pixels, row-major.
   *
   * @param width columns
   * @param height rows
   * @param rgb {@code width * height} pixels
   */
  public record Pixels(int width, int height, int[] rgb) {}

  /**
   * Decodes an image file into upright pixels (its EXIF orientation applied), at full size.
   *
   * @throws java.nio.file.NoSuchFileException if there is no such file
   * @throws IOException if the file cannot be read or is not an image this JVM decodes
   */
  public static Pixels decode(Path file) throws IOException {
    return decode(file, 0);
  }

  /**
   * Decodes an image file into upright pixels, possibly reduced in the decoder itself: a JPEG
   * decoded by libjpeg-turbo comes out at the smallest of 1/8, 1/4 and 1/2 of its size whose short
   * side is still at least {@code minShortSide} (what a model's resize needs), which spares most of
   * the work on large photos; other images are read through ImageIO keeping every s-th row and
   * column, the largest s that keeps the short side at least {@code minShortSide}. Images that
   * declare more than {@link #DEFAULT_MAX_PIXELS} are refused.
   *
   * @param minShortSide the least short side a reduced image keeps; 0 for full size
   * @throws java.nio.file.NoSuchFileException if there is no such file
   * @throws IOException if the file cannot be read or is not an image this JVM decodes
   */
  public static Pixels decode(Path file, int minShortSide) throws IOException {
    return decode(file, minShortSide, DEFAULT_MAX_PIXELS);
  }

  /**
   * As {@link #decode(Path, int)}, refusing images that declare more than {@code maxPixels}.
   *
   * @throws IOException also when the image declares more than {@code maxPixels} pixels
   * @throws IllegalArgumentException if {@code maxPixels} is not positive
   */
  public static Pixels decode(Path file, int minShortSide, long maxPixels) throws IOException {
    if (maxPixels <= 0) {
      throw new IllegalArgumentException("the pixel limit must be positive, got " + maxPixels);
    }
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no such image file");
    }
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length == 0) {
      throw new IOException("cannot decode image " + file + ": the file is empty (0 bytes)");
    }
    Pixels p = null;
    long[] jpeg = TurboJpeg.declaredSize(bytes);
    if (jpeg != null) {
      // the frame header read by a walk over the markers: the limit holds before libjpeg-turbo allocates
      checkLimit(file, jpeg[0], jpeg[1], maxPixels);
      // a cut-short JPEG decodes to a grey or smeared lower part, whose code would mislead: refused
      if (!TurboJpeg.hasEnd(bytes)) {
        throw new IOException("cannot decode image " + file + ": the JPEG is truncated (it ends before its "
            + "end-of-image marker, after " + bytes.length + " bytes)");
      }
      p = TurboJpeg.decode(bytes, minShortSide);
    }
    if (p == null) {
      p = viaImageIo(file, bytes, minShortSide, maxPixels);
    }
    // a JPEG without an EXIF block has no orientation to read: the metadata reader is spared
    int segments = TurboJpeg.segments(bytes);
    return (segments & TurboJpeg.JPEG) != 0 && (segments & TurboJpeg.EXIF) == 0 ? p : orient(p, orientation(bytes));
  }

  private static void checkLimit(Path file, long w, long h, long maxPixels) throws IOException {
    if (w * h > maxPixels) {
      throw new IOException(String.format(java.util.Locale.ROOT, "cannot decode image %s: it declares %d x %d "
          + "pixels (%.0f megapixels), more than the limit of %.0f megapixels", file, w, h, w * h / 1e6, maxPixels / 1e6));
    }
  }

  /** Through ImageIO: the header read first, then every s-th row and column decoded. */
  private static Pixels viaImageIo(Path file, byte[] bytes, int minShortSide, long maxPixels) throws IOException {
    try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(bytes))) {
      java.util.Iterator<javax.imageio.ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new IOException("cannot decode image " + file + ": not an image format this JVM reads (JPEG, PNG, GIF, BMP)");
      }
      javax.imageio.ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        long w;
        long h;
        try {
          w = reader.getWidth(0);
          h = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
          throw new IOException("cannot decode image " + file + ": its header cannot be read (" + e.getMessage() + ")", e);
        }
        checkLimit(file, w, h, maxPixels);
        javax.imageio.ImageReadParam param = reader.getDefaultReadParam();
        // every s-th row and column, the short side kept at minShortSide or more
        int step = minShortSide > 0 ? (int) Math.max(1, Math.min(w, h) / minShortSide) : 1;
        if (step > 1) {
          param.setSourceSubsampling(step, step, 0, 0);
        }
        try {
          return pixels(reader.read(0, param));
        } catch (IOException | RuntimeException e) {
          throw new IOException("cannot decode image " + file + ": " + e.getMessage(), e);
        }
      } finally {
        reader.dispose();
      }
    }
  }

  /** The pixels of an already decoded image, read without colour conversion where the layout allows. */
  public static Pixels pixels(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    int[] rgb = new int[w * h];
    Raster raster = img.getRaster();
    if (raster.getNumBands() == 1 && img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY) {
      int bits = img.getColorModel().getComponentSize(0);
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          int v = bits > 8 ? row[x] >>> (bits - 8) : bits < 8 ? row[x] * 255 / ((1 << bits) - 1) : row[x];
          rgb[y * w + x] = v << 16 | v << 8 | v;
        }
      }
    } else if (!interleavedSrgb(img, raster, rgb)) {
      img.getRGB(0, 0, w, h, rgb, 0, w);
      for (int i = 0; i < rgb.length; i++) {
        rgb[i] &= 0xFFFFFF;
      }
    }
    return new Pixels(w, h, rgb);
  }

  /**
   * The pixels of an sRGB image stored as interleaved bytes (what the JPEG and PNG readers return:
   * BGR, RGB, ABGR...), read straight from its buffer into {@code rgb}: {@code getRGB} converts
   * each pixel through the colour model and took longer than decoding the JPEG. Returns false,
   * leaving {@code rgb} alone, for any other layout.
   */
  static boolean interleavedSrgb(BufferedImage img, Raster raster, int[] rgb) {
    if (!(img.getColorModel() instanceof java.awt.image.ComponentColorModel cm)
        || !cm.getColorSpace().isCS_sRGB()
        || cm.getNumColorComponents() != 3
        || cm.getComponentSize(0) != 8 || cm.getComponentSize(1) != 8 || cm.getComponentSize(2) != 8
        || !(raster.getSampleModel() instanceof java.awt.image.PixelInterleavedSampleModel sm)
        || !(raster.getDataBuffer() instanceof java.awt.image.DataBufferByte db)
        || db.getNumBanks() != 1
        || cm.hasAlpha() && cm.isAlphaPremultiplied()) {
      return false;
    }
    byte[] data = db.getData();
    int[] band = sm.getBandOffsets();
    int stride = sm.getPixelStride();
    int scan = sm.getScanlineStride();
    int w = img.getWidth();
    int h = img.getHeight();
    int base = db.getOffset() - raster.getSampleModelTranslateY() * scan - raster.getSampleModelTranslateX() * stride;
    for (int y = 0; y < h; y++) {
      int at = base + y * scan;
      for (int x = 0; x < w; x++, at += stride) {
        rgb[y * w + x] = (data[at + band[0]] & 0xFF) << 16 | (data[at + band[1]] & 0xFF) << 8 | (data[at + band[2]] & 0xFF);
      }
    }
    return true;
  }

  /** The EXIF orientation tag (1 to 8) of a file, 1 when absent or unreadable. */
  static int orientation(Path file) throws IOException {
    return orientation(Files.readAllBytes(file));
  }

  /** The EXIF orientation tag (1 to 8) of an image's bytes, 1 when absent or unreadable. */
  static int orientation(byte[] image) {
    try {
      Metadata md = ImageMetadataReader.readMetadata(new java.io.ByteArrayInputStream(image), image.length);
      ExifIFD0Directory dir = md.getFirstDirectoryOfType(ExifIFD0Directory.class);
      if (dir != null && dir.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
        int o = dir.getInt(ExifIFD0Directory.TAG_ORIENTATION);
        return o >= 1 && o <= 8 ? o : 1;
      }
    } catch (ImageProcessingException | MetadataException | IOException | RuntimeException e) {
      // no usable metadata: the pixels are taken as stored
    }
    return 1;
  }

  /** Applies an EXIF orientation: the result is the image as it is meant to be seen. */
  static Pixels orient(Pixels p, int orientation) {
    if (orientation == 1) {
      return p;
    }
    int w = p.width();
    int h = p.height();
    boolean swap = orientation >= 5;
    int ow = swap ? h : w;
    int oh = swap ? w : h;
    int[] out = new int[ow * oh];
    for (int y = 0; y < oh; y++) {
      for (int x = 0; x < ow; x++) {
        int sx;
        int sy;
        switch (orientation) {
          case 2 -> { sx = w - 1 - x; sy = y; }
          case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
          case 4 -> { sx = x; sy = h - 1 - y; }
          case 5 -> { sx = y; sy = x; }
          case 6 -> { sx = y; sy = h - 1 - x; }
          case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
          default -> { sx = w - 1 - y; sy = x; }
        }
        out[y * ow + x] = p.rgb()[sy * w + sx];
      }
    }
    return new Pixels(ow, oh, out);
  }
}
