package dev.nhl.bench;

import boofcv.abst.feature.associate.WrapAssociateGreedy;
import boofcv.alg.feature.associate.AssociateGreedyDesc;
import boofcv.factory.feature.associate.FactoryAssociation;
import boofcv.factory.geo.ConfigHomography;
import boofcv.factory.geo.ConfigRansac;
import boofcv.factory.geo.FactoryMultiViewRobust;
import boofcv.struct.feature.TupleDesc_F64;
import boofcv.struct.geo.AssociatedPair;
import georegression.struct.point.Point2D_F64;
import org.ddogleg.struct.DogArray;

import dev.nhl.encoder.image.ImageDecoder;
import dev.nhl.encoder.image.LocalFeatures;
import dev.nhl.encoder.image.PerceptualHash;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What copy detection costs a photo and a pair, on Caltech-101 photos (decoded at the encoder's
 * short side of 256 pixels, as {@code nhl index} has them): the perceptual hash and the mirrored
 * hash, the local features ({@link LocalFeatures#of}), and the geometric check of a pair that is a
 * copy (rotated 4 degrees, 80% of each side) and of a pair of two photos of one class, which
 * stops before fitting when too few points match ({@code nhl dups}' default of 60). Run with
 * {@code -p caltech=DIR} pointing at {@code 101_ObjectCategories}. Scores are microseconds per
 * call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class CopyDetectionBenchmark {

  /** Caltech-101's {@code 101_ObjectCategories}. */
  @org.openjdk.jmh.annotations.Param({"../shared/data/caltech101/101_ObjectCategories"})
  public String caltech;

  ImageDecoder.Pixels photo;
  byte[] features;
  byte[] copyFeatures;
  byte[] otherFeatures;

  @Setup
  public void setUp() throws IOException {
    List<Path> files;
    try (var s = Files.list(Path.of(caltech).resolve("watch"))) {
      files = s.sorted().limit(2).toList();
    }
    photo = ImageDecoder.decode(files.get(0), 256);
    features = LocalFeatures.of(photo);
    copyFeatures = LocalFeatures.of(ImageDecoder.pixels(rotatedAndCropped(ImageIO.read(files.get(0).toFile()))));
    otherFeatures = LocalFeatures.of(ImageDecoder.decode(files.get(1), 256));
  }

  private static BufferedImage rotatedAndCropped(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    BufferedImage rot = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = rot.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(img, AffineTransform.getRotateInstance(Math.toRadians(4), w / 2.0, h / 2.0), null);
    g.dispose();
    return rot.getSubimage(w / 10, h / 10, w * 8 / 10, h * 8 / 10);
  }

  @Benchmark
  public Object hashes() {
    return new byte[][] {PerceptualHash.of(photo), PerceptualHash.ofMirrored(photo)};
  }

  @Benchmark
  public byte[] localFeatures() {
    return LocalFeatures.of(photo);
  }

  @Benchmark
  public int checkACopy() {
    return LocalFeatures.inliers(features, copyFeatures, 60);
  }

  @Benchmark
  public int checkAnotherPhoto() {
    return LocalFeatures.inliers(features, otherFeatures, 60);
  }

  /** The full count of a copy: every RANSAC trial, no early stop. */
  @Benchmark
  public int countACopy() {
    return LocalFeatures.inliers(features, copyFeatures);
  }

  /** The same check of a copy with BoofCV's own greedy matcher and RANSAC: the anchor of the two above. */
  @Benchmark
  public int checkACopyWithBoofcv() {
    return boofcvInliers(features, copyFeatures, 60);
  }

  /** The same check of another photo with BoofCV's own greedy matcher. */
  @Benchmark
  public int checkAnotherPhotoWithBoofcv() {
    return boofcvInliers(features, otherFeatures, 60);
  }

  /** BoofCV's greedy matcher (backwards validation, ratio 0.8) and homography RANSAC on the compact forms. */
  static int boofcvInliers(byte[] a, byte[] b, int enough) {
    List<Point2D_F64> pa = new java.util.ArrayList<>();
    List<Point2D_F64> pb = new java.util.ArrayList<>();
    DogArray<TupleDesc_F64> da = descriptors(a, pa);
    DogArray<TupleDesc_F64> db = descriptors(b, pb);
    var greedy = new AssociateGreedyDesc<>(FactoryAssociation.scoreEuclidean(TupleDesc_F64.class, true));
    greedy.setBackwardsValidation(true);
    greedy.setRatioTest(0.8);
    var assoc = new WrapAssociateGreedy<>(greedy);
    assoc.setSource(da);
    assoc.setDestination(db);
    assoc.associate();
    var m = assoc.getMatches();
    if (m.size < enough) {
      return m.size;
    }
    List<AssociatedPair> pairs = new java.util.ArrayList<>();
    for (int i = 0; i < m.size; i++) {
      pairs.add(new AssociatedPair(pa.get(m.get(i).src), pb.get(m.get(i).dst)));
    }
    ConfigRansac config = new ConfigRansac(300, 3.0);
    config.randSeed = 0x6e686cL;
    var ransac = FactoryMultiViewRobust.homographyRansac(new ConfigHomography(), config);
    return ransac.process(pairs) ? ransac.getMatchSet().size() : 0;
  }

  private static DogArray<TupleDesc_F64> descriptors(byte[] form, List<Point2D_F64> at) {
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(form);
    in.get();
    int n = Short.toUnsignedInt(in.getShort());
    DogArray<TupleDesc_F64> out = new DogArray<>(() -> new TupleDesc_F64(64));
    for (int i = 0; i < n; i++) {
      at.add(new Point2D_F64(Short.toUnsignedInt(in.getShort()) / 8.0, Short.toUnsignedInt(in.getShort()) / 8.0));
      double[] d = out.grow().data;
      for (int k = 0; k < 64; k++) {
        d[k] = in.get() / 254.0;
      }
    }
    return out;
  }
}
