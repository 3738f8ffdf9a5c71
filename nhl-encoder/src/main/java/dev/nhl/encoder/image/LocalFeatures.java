package dev.nhl.encoder.image;

import boofcv.abst.feature.detdesc.DetectDescribePoint;
import boofcv.abst.feature.detect.interest.ConfigFastHessian;
import boofcv.factory.feature.detdesc.FactoryDetectDescribe;
import boofcv.struct.feature.TupleDesc_F64;
import boofcv.struct.image.GrayF32;
import java.nio.ByteBuffer;

/**
 * Local features of an image and the geometric check that tells a copy from another photo: SURF
 * interest points and descriptors (BoofCV) of the image's luminance at most {@value #MAX_SIDE}
 * pixels a side, matched between two images and fitted with a homography by RANSAC. A copy that
 * was cropped, rotated, resized or recoloured keeps most of its points where the transform puts
 * them; two different photos, even of one kind of object, agree on a handful at most.
 *
 * <p>{@link #of} returns the features in a compact form, stored beside a photo's codes (about
 * {@value #BYTES_PER_POINT} bytes a point, at most {@value #MAX_POINTS} points); {@link
 * #inliers} counts the matches two such forms agree on. The form, version 1, big-endian:
 *
 * <pre>
 * byte   version (1)
 * u16    point count n
 * n x {  u16 x, u16 y      (in eighths of a pixel of the reduced image)
 *        i8[64] descriptor (the unit SURF descriptor times {@value #SCALE}, rounded, clamped to +-127) }
 * </pre>
 *
 * Mirroring is not covered: a mirrored copy has the mirrored perceptual hash ({@link
 * PerceptualHash#ofMirrored}).
 */
public final class LocalFeatures {

  /** The longest side of the image the features are taken from, in pixels. */
  public static final int MAX_SIDE = 320;

  /** The most points kept, the strongest first. */
  public static final int MAX_POINTS = 200;

  /** Bytes a point takes in the compact form. */
  public static final int BYTES_PER_POINT = 4 + 64;

  private static final int VERSION = 1;
  private static final int HEADER = 3;
  private static final int DIM = 64;
  private static final double SCALE = 254.0;
  private static final double POSITION_UNIT = 8.0;

  // a detector keeps working memory per image size: one per thread
  private static final ThreadLocal<DetectDescribePoint<GrayF32, TupleDesc_F64>> DETECTOR =
      ThreadLocal.withInitial(LocalFeatures::detector);

  private LocalFeatures() {}

  private static DetectDescribePoint<GrayF32, TupleDesc_F64> detector() {
    ConfigFastHessian c = new ConfigFastHessian();
    c.maxFeaturesAll = MAX_POINTS;
    c.extract.radius = 2;
    c.extract.threshold = 0;
    return FactoryDetectDescribe.surfStable(c, null, null, GrayF32.class);
  }

  /**
   * The local features of decoded pixels, in the compact form.
   *
   * @throws IllegalArgumentException if the image is empty
   */
  public static byte[] of(ImageDecoder.Pixels p) {
    GrayF32 gray = luminance(p);
    DetectDescribePoint<GrayF32, TupleDesc_F64> det = DETECTOR.get();
    det.detect(gray);
    int n = Math.min(MAX_POINTS, det.getNumberOfFeatures());
    ByteBuffer out = ByteBuffer.allocate(HEADER + n * BYTES_PER_POINT);
    out.put((byte) VERSION).putShort((short) n);
    for (int i = 0; i < n; i++) {
      var loc = det.getLocation(i);
      out.putShort((short) position(loc.x)).putShort((short) position(loc.y));
      double[] d = det.getDescription(i).data;
      for (int k = 0; k < DIM; k++) {
        out.put((byte) Math.max(-127, Math.min(127, Math.round(d[k] * SCALE))));
      }
    }
    return out.array();
  }

  private static int position(double v) {
    return (int) Math.max(0, Math.min(0xFFFF, Math.round(v * POSITION_UNIT)));
  }

  /** The luminance, area-averaged down so that the longest side is at most {@link #MAX_SIDE}. */
  private static GrayF32 luminance(ImageDecoder.Pixels p) {
    int w = p.width();
    int h = p.height();
    if (w < 1 || h < 1) {
      throw new IllegalArgumentException("cannot take the features of an empty image (" + w + " x " + h + ")");
    }
    double scale = Math.min(1.0, MAX_SIDE / (double) Math.max(w, h));
    int gw = Math.max(1, (int) Math.round(w * scale));
    int gh = Math.max(1, (int) Math.round(h * scale));
    // each source pixel adds to the cell it falls in: an area average, worked out column by column once
    int[] cellX = new int[w];
    for (int x = 0; x < w; x++) {
      cellX[x] = (int) ((long) x * gw / w);
    }
    float[] sum = new float[gw * gh];
    int[] count = new int[gw * gh];
    int[] rgb = p.rgb();
    for (int y = 0; y < h; y++) {
      int cellRow = (int) ((long) y * gh / h) * gw;
      int row = y * w;
      for (int x = 0; x < w; x++) {
        int v = rgb[row + x];
        int c = cellRow + cellX[x];
        sum[c] += 0.299f * ((v >> 16) & 0xFF) + 0.587f * ((v >> 8) & 0xFF) + 0.114f * (v & 0xFF);
        count[c]++;
      }
    }
    GrayF32 g = new GrayF32(gw, gh);
    for (int i = 0; i < sum.length; i++) {
      g.data[i] = sum[i] / count[i];
    }
    return g;
  }

  /** The descriptors and positions of a compact form, checked against its declared size. */
  static FeatureMatching.Descriptors parse(byte[] form, String name) {
    if (form == null) {
      throw new IllegalArgumentException(name + " features are null");
    }
    if (form.length < HEADER || form[0] != VERSION) {
      throw new IllegalArgumentException(name + " features are not local features of version " + VERSION + " ("
          + form.length + " bytes" + (form.length > 0 ? ", version " + form[0] : "") + ")");
    }
    ByteBuffer in = ByteBuffer.wrap(form);
    in.get();
    int n = Short.toUnsignedInt(in.getShort());
    if (form.length != HEADER + (long) n * BYTES_PER_POINT) {
      throw new IllegalArgumentException(name + " features declare " + n + " points, which take "
          + (HEADER + (long) n * BYTES_PER_POINT) + " bytes, but have " + form.length);
    }
    double[] x = new double[n];
    double[] y = new double[n];
    float[] values = new float[n * DIM];
    int[] norms = new int[n];
    for (int i = 0; i < n; i++) {
      x[i] = Short.toUnsignedInt(in.getShort()) / POSITION_UNIT;
      y[i] = Short.toUnsignedInt(in.getShort()) / POSITION_UNIT;
      int norm = 0;
      for (int k = 0; k < DIM; k++) {
        int v = in.get();
        values[i * DIM + k] = v;
        norm += v * v;
      }
      norms[i] = norm;
    }
    return new FeatureMatching.Descriptors(n, DIM, values, norms, x, y);
  }

  /** Matches that pass the ratio test both ways. */
  private static final double RATIO = 0.8;
  /** Pixels of the reduced image a match may be off the fitted homography and still count. */
  private static final double INLIER_PIXELS = 3.0;
  private static final int RANSAC_ITERATIONS = 300;
  private static final long RANSAC_SEED = 0x6e686cL;

  /**
   * The number of points of {@code a} and {@code b} that one homography maps onto each other:
   * descriptors matched both ways with a ratio test, then the homography found by RANSAC (a fixed
   * seed: the same forms give the same count). Hundreds for a copy of a photo, a few for
   * different photos.
   *
   * @throws IllegalArgumentException if a form is null or not of this version, or is damaged
   */
  public static int inliers(byte[] a, byte[] b) {
    return inliers(a, b, 4, Integer.MAX_VALUE);
  }

  /**
   * Whether {@link #inliers(byte[], byte[])} reaches {@code enough}, at a fraction of its cost:
   * the result is at least {@code enough} exactly when that count is. The homography is not
   * fitted when fewer descriptors than that match (most pairs of different photos), and the
   * search stops at the first homography that many matches agree on (a copy, within a few
   * trials).
   *
   * @throws IllegalArgumentException if a form is null or not of this version, or is damaged
   */
  public static int inliers(byte[] a, byte[] b, int enough) {
    return inliers(a, b, enough, enough);
  }

  private static int inliers(byte[] a, byte[] b, int enough, int stopAt) {
    FeatureMatching.Descriptors pa = parse(a, "first");
    FeatureMatching.Descriptors pb = parse(b, "second");
    if (pa.n() < 4 || pb.n() < 4) {
      return 0;
    }
    int[] matches = FeatureMatching.match(pa, pb, RATIO);
    int m = matches.length / 2;
    if (m < Math.max(4, enough)) {
      return m < 4 ? 0 : m;
    }
    return FeatureMatching.inliers(pa, pb, matches, RANSAC_ITERATIONS, INLIER_PIXELS, RANSAC_SEED, stopAt);
  }
}
