package dev.nhl.encoder.image;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * JPEG decoding through the system's libjpeg-turbo (its TurboJPEG API, called with the Foreign
 * Function API), about twice as fast as ImageIO's reader on photos of a few hundred pixels a side,
 * and able to decode large photos at 1/2, 1/4 or 1/8 of their size in the inverse DCT itself.
 *
 * <p>Only plain JPEGs take this route: three-component (YCbCr or RGB) or grayscale, without an
 * embedded ICC profile. CMYK and YCCK files, files with a colour profile (which ImageIO's reader
 * converts to sRGB) and anything the library refuses are left to ImageIO ({@link #decode} returns
 * null). The library is looked up once; without it (Debian: package {@code libturbojpeg0}) every
 * JPEG goes through ImageIO and one line says so. {@code -Dnhl.image.turbojpeg=false} turns the
 * route off.
 */
final class TurboJpeg {

  private static final System.Logger LOG = System.getLogger("dev.nhl.encoder");

  // TurboJPEG constants (turbojpeg.h)
  private static final int TJPF_BGRX = 3;
  private static final int TJPF_XRGB = 5;
  // the byte order that makes each pixel an int 0xXXRRGGBB in place
  private static final int PIXEL_FORMAT =
      java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN ? TJPF_BGRX : TJPF_XRGB;
  private static final int TJCS_RGB = 0;
  private static final int TJCS_YCBCR = 1;
  private static final int TJCS_GRAY = 2;
  private static final int[] DENOMINATORS = {8, 4, 2};

  private static final MethodHandle INIT;
  private static final MethodHandle HEADER;
  private static final MethodHandle DECOMPRESS;
  private static final MethodHandle DESTROY;

  static {
    MethodHandle[] h = bind();
    INIT = h == null ? null : h[0];
    HEADER = h == null ? null : h[1];
    DECOMPRESS = h == null ? null : h[2];
    DESTROY = h == null ? null : h[3];
  }

  private TurboJpeg() {}

  private static MethodHandle[] bind() {
    if (!Boolean.parseBoolean(System.getProperty("nhl.image.turbojpeg", "true"))) {
      return null;
    }
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    List<String> names = os.contains("win") ? List.of("turbojpeg.dll")
        : os.contains("mac") ? List.of("libturbojpeg.0.dylib", "libturbojpeg.dylib", "/opt/homebrew/lib/libturbojpeg.dylib")
        : List.of("libturbojpeg.so.0", "libturbojpeg.so");
    for (String name : names) {
      try {
        SymbolLookup lib = SymbolLookup.libraryLookup(name, Arena.global());
        Linker l = Linker.nativeLinker();
        ValueLayout a = ValueLayout.ADDRESS;
        ValueLayout i = ValueLayout.JAVA_INT;
        ValueLayout n = ValueLayout.JAVA_LONG;
        return new MethodHandle[] {
          l.downcallHandle(lib.find("tjInitDecompress").orElseThrow(), FunctionDescriptor.of(a)),
          // critical: the JPEG bytes and the pixel array are passed in place, without copies
          l.downcallHandle(lib.find("tjDecompressHeader3").orElseThrow(), FunctionDescriptor.of(i, a, a, n, a, a, a, a),
              Linker.Option.critical(true)),
          l.downcallHandle(lib.find("tjDecompress2").orElseThrow(), FunctionDescriptor.of(i, a, a, n, a, i, i, i, i, i),
              Linker.Option.critical(true)),
          l.downcallHandle(lib.find("tjDestroy").orElseThrow(), FunctionDescriptor.of(i, a)),
        };
      } catch (IllegalArgumentException | java.util.NoSuchElementException | UnsupportedOperationException e) {
        // not this name: try the next
      } catch (IllegalCallerException e) {
        LOG.log(System.Logger.Level.INFO, "nhl encoder: JPEG decoding through ImageIO: native access is disabled ("
            + e.getMessage() + "); --enable-native-access=ALL-UNNAMED lets libjpeg-turbo decode");
        return null;
      }
    }
    LOG.log(System.Logger.Level.INFO, "nhl encoder: JPEG decoding through ImageIO: libjpeg-turbo's " + names.get(0)
        + " was not found (Debian: apt install libturbojpeg0); decoding takes about twice as long");
    return null;
  }

  /** Whether the library was found and the route is on. */
  static boolean available() {
    return INIT != null;
  }

  /**
   * Decodes a plain JPEG, at the smallest of the scales 1/8, 1/4, 1/2 that keeps its short side at
   * least {@code minShortSide} (full size when none does, or when {@code minShortSide} is 0).
   *
   * @return the pixels as stored (no EXIF orientation applied), or null when this file is left to
   *     ImageIO
   */
  static ImageDecoder.Pixels decode(byte[] jpeg, int minShortSide) {
    if (INIT == null || !plainJpeg(jpeg)) {
      return null;
    }
    try {
      MemorySegment handle = (MemorySegment) INIT.invokeExact();
      if (handle.equals(MemorySegment.NULL)) {
        return null;
      }
      try {
        MemorySegment src = MemorySegment.ofArray(jpeg);
        int[] info = new int[4];
        MemorySegment at = MemorySegment.ofArray(info);
        int rc = (int) HEADER.invokeExact(handle, src, (long) jpeg.length, at, at.asSlice(4), at.asSlice(8), at.asSlice(12));
        int w = info[0];
        int h = info[1];
        int colorspace = info[3];
        if (rc != 0 || w < 1 || h < 1 || (colorspace != TJCS_YCBCR && colorspace != TJCS_RGB && colorspace != TJCS_GRAY)) {
          return null;
        }
        for (int d : DENOMINATORS) {
          // TJSCALED: the size the inverse DCT gives at scale 1/d
          int sw = (w + d - 1) / d;
          int sh = (h + d - 1) / d;
          if (minShortSide > 0 && Math.min(sw, sh) >= minShortSide) {
            w = sw;
            h = sh;
            break;
          }
        }
        int[] rgb = new int[Math.multiplyExact(w, h)];
        rc = (int) DECOMPRESS.invokeExact(handle, src, (long) jpeg.length, MemorySegment.ofArray(rgb), w, 0, h, PIXEL_FORMAT, 0);
        if (rc != 0) {
          return null;
        }
        for (int i = 0; i < rgb.length; i++) {
          rgb[i] &= 0xFFFFFF;
        }
        return new ImageDecoder.Pixels(w, h, rgb);
      } finally {
        int ignored = (int) DESTROY.invokeExact(handle);
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      // a downcall declares Throwable; none is thrown by these functions
      return null;
    }
  }

  /** {@link #segments}: the file is a JPEG whose segments up to the start of scan parse. */
  static final int JPEG = 1;
  /** {@link #segments}: an APP2 ICC profile precedes the scan. */
  static final int ICC_PROFILE = 2;
  /** {@link #segments}: an APP1 EXIF block precedes the scan. */
  static final int EXIF = 4;

  private static final byte[] ICC_TAG = "ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] EXIF_TAG = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);

  /** Whether a file is a JPEG this route should take: a JPEG without an embedded ICC profile. */
  static boolean plainJpeg(byte[] b) {
    int f = segments(b);
    return (f & JPEG) != 0 && (f & ICC_PROFILE) == 0;
  }

  /**
   * What a file's JPEG segments hold, read from its markers up to the start of scan: {@link #JPEG}
   * with {@link #ICC_PROFILE} and {@link #EXIF} as found, or 0 when it is not a JPEG or its
   * segments do not parse.
   */
  static int segments(byte[] b) {
    if (b.length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) {
      return 0;
    }
    int flags = JPEG;
    int at = 2;
    while (at + 4 <= b.length) {
      if ((b[at] & 0xFF) != 0xFF) {
        return 0;
      }
      int marker = b[at + 1] & 0xFF;
      if (marker == 0xFF) {
        at++;
        continue;
      }
      if (marker == 0xDA) {
        return flags;
      }
      int len = (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
      if (len < 2) {
        return 0;
      }
      if (marker == 0xE2 && startsWith(b, at + 4, len - 2, ICC_TAG)) {
        flags |= ICC_PROFILE;
      } else if (marker == 0xE1 && startsWith(b, at + 4, len - 2, EXIF_TAG)) {
        flags |= EXIF;
      }
      at += 2 + len;
    }
    return 0;
  }

  /**
   * The width and height a JPEG's frame header declares, found by walking its markers (no
   * decoding); null when the bytes are not a JPEG or the header is not found before the scan.
   */
  static long[] declaredSize(byte[] b) {
    if (b.length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) {
      return null;
    }
    int at = 2;
    while (at + 4 <= b.length) {
      if ((b[at] & 0xFF) != 0xFF) {
        return null;
      }
      int marker = b[at + 1] & 0xFF;
      if (marker == 0xFF) {
        at++;
        continue;
      }
      if (marker == 0xDA || marker == 0xD9) {
        return null;
      }
      int len = (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
      if (len < 2) {
        return null;
      }
      // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC): precision, height, width
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        if (at + 9 > b.length) {
          return null;
        }
        long h = (b[at + 5] & 0xFF) << 8 | (b[at + 6] & 0xFF);
        long w = (b[at + 7] & 0xFF) << 8 | (b[at + 8] & 0xFF);
        return new long[] {w, h};
      }
      at += 2 + len;
    }
    return null;
  }

  /**
   * Whether a JPEG's bytes hold its end-of-image marker: entropy-coded data never contains {@code
   * FF D9} (a data byte FF is followed by 00), so a file without one was cut short. Trailing bytes
   * after the marker, as some cameras write, are allowed.
   */
  static boolean hasEnd(byte[] b) {
    for (int i = b.length - 2; i >= 2; i--) {
      if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xD9) {
        return true;
      }
    }
    return false;
  }

  private static boolean startsWith(byte[] b, int from, int length, byte[] tag) {
    return length >= tag.length && from + tag.length <= b.length
        && java.util.Arrays.equals(b, from, from + tag.length, tag, 0, tag.length);
  }
}
