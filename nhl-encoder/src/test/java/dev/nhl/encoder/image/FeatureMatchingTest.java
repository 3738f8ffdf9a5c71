package dev.nhl.encoder.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import boofcv.abst.feature.associate.AssociateDescription;
import boofcv.abst.feature.associate.WrapAssociateGreedy;
import boofcv.alg.feature.associate.AssociateGreedyDesc;
import boofcv.factory.feature.associate.FactoryAssociation;
import boofcv.struct.feature.AssociatedIndex;
import boofcv.struct.feature.TupleDesc_F64;
import dev.nhl.index.Seeded;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ddogleg.struct.DogArray;
import org.ddogleg.struct.FastAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(Seeded.class)
class FeatureMatchingTest {

  /**
   * The matches BoofCV's greedy matcher finds on the integer descriptors of the compact form.
   * They are given as the integers themselves, not scaled back to unit length: distances are then
   * exact in doubles, so BoofCV decides a ratio met exactly (a best of 256 against a second of
   * 320) as its rule says, not by the rounding of scaled values. Scaling changes no order.
   */
  static int[] boofcvMatches(byte[] a, byte[] b) {
    AssociateGreedyDesc<TupleDesc_F64> greedy =
        new AssociateGreedyDesc<>(FactoryAssociation.scoreEuclidean(TupleDesc_F64.class, true));
    greedy.setBackwardsValidation(true);
    greedy.setRatioTest(0.8);
    AssociateDescription<TupleDesc_F64> assoc = new WrapAssociateGreedy<>(greedy);
    assoc.setSource(descriptors(a));
    assoc.setDestination(descriptors(b));
    assoc.associate();
    FastAccess<AssociatedIndex> m = assoc.getMatches();
    int[] out = new int[2 * m.size];
    for (int i = 0; i < m.size; i++) {
      out[2 * i] = m.get(i).src;
      out[2 * i + 1] = m.get(i).dst;
    }
    return out;
  }

  private static DogArray<TupleDesc_F64> descriptors(byte[] form) {
    ByteBuffer in = ByteBuffer.wrap(form);
    in.get();
    int n = Short.toUnsignedInt(in.getShort());
    DogArray<TupleDesc_F64> out = new DogArray<>(() -> new TupleDesc_F64(64));
    for (int i = 0; i < n; i++) {
      in.getInt();
      double[] d = out.grow().data;
      for (int k = 0; k < 64; k++) {
        d[k] = in.get();
      }
    }
    return out;
  }

  private static FeatureMatching.Descriptors parsed(byte[] form) {
    return LocalFeatures.parse(form, "test");
  }

  @Test
  void matchesAreBoofcvsGreedyMatches(Random r) {
    int pairs = 0;
    int matched = 0;
    for (int i = 0; i < 4; i++) {
      BufferedImage img = LocalFeaturesTest.scene(r, 360, 270);
      byte[] f = LocalFeaturesTest.features(img);
      byte[] copy = LocalFeaturesTest.features(LocalFeaturesTest.rotatedAndCropped(img, 2 + 3 * r.nextDouble(), 0.8,
          r.nextDouble(), r.nextDouble()));
      byte[] other = LocalFeaturesTest.features(LocalFeaturesTest.scene(r, 300, 300));
      for (byte[][] p : new byte[][][] {{f, copy}, {copy, f}, {f, other}, {other, copy}}) {
        int[] expected = boofcvMatches(p[0], p[1]);
        assertArrayEquals(expected, FeatureMatching.match(parsed(p[0]), parsed(p[1]), 0.8));
        pairs++;
        matched += expected.length / 2;
      }
    }
    assertTrue(matched > pairs * 10, "the pictures have matches to compare: " + matched);
  }

  @Test
  void randomDescriptorsMatchAsBoofcvDoes(Random r) {
    for (int t = 0; t < 20; t++) {
      byte[] a = randomForm(r, 5 + r.nextInt(120));
      byte[] b = randomForm(r, 5 + r.nextInt(120));
      // b shares some of a's descriptors, a little changed, so that there is something to match
      for (int i = 0; i < 40; i++) {
        int from = 3 + r.nextInt((a.length - 3) / 68) * 68 + 4;
        int to = 3 + r.nextInt((b.length - 3) / 68) * 68 + 4;
        for (int k = 0; k < 64; k++) {
          b[to + k] = (byte) Math.max(-127, Math.min(127, a[from + k] + r.nextInt(7) - 3));
        }
      }
      assertArrayEquals(boofcvMatches(a, b), FeatureMatching.match(parsed(a), parsed(b), 0.8));
    }
  }

  private static byte[] randomForm(Random r, int n) {
    ByteBuffer out = ByteBuffer.allocate(3 + 68 * n);
    out.put((byte) 1).putShort((short) n);
    for (int i = 0; i < n; i++) {
      out.putShort((short) r.nextInt(2560)).putShort((short) r.nextInt(2560));
      for (int k = 0; k < 64; k++) {
        out.put((byte) (r.nextInt(255) - 127));
      }
    }
    return out.array();
  }

  @Test
  void ransacFindsThePointsOneHomographyMaps(Random r) {
    // 70 matches that a known homography maps onto each other, 30 that it does not
    int n = 100;
    int inlying = 70;
    double[] ax = new double[n];
    double[] ay = new double[n];
    double[] bx = new double[n];
    double[] by = new double[n];
    for (int i = 0; i < n; i++) {
      ax[i] = 10 + 300 * r.nextDouble();
      ay[i] = 10 + 220 * r.nextDouble();
      if (i < inlying) {
        double w = 1 + 0.0004 * ax[i] - 0.0003 * ay[i];
        bx[i] = (0.95 * ax[i] - 0.07 * ay[i] + 12) / w;
        by[i] = (0.06 * ax[i] + 0.97 * ay[i] - 5) / w;
      } else {
        bx[i] = 10 + 300 * r.nextDouble();
        by[i] = 10 + 220 * r.nextDouble();
      }
    }
    var a = new FeatureMatching.Descriptors(n, 64, new float[n * 64], new int[n], ax, ay);
    var b = new FeatureMatching.Descriptors(n, 64, new float[n * 64], new int[n], bx, by);
    int[] matches = new int[2 * n];
    for (int i = 0; i < n; i++) {
      matches[2 * i] = i;
      matches[2 * i + 1] = i;
    }
    // an outlier lands within 3 pixels of where the homography puts its partner by chance only
    int expected = inlying;
    for (int i = inlying; i < n; i++) {
      double w = 1 + 0.0004 * ax[i] - 0.0003 * ay[i];
      double ex = (0.95 * ax[i] - 0.07 * ay[i] + 12) / w - bx[i];
      double ey = (0.06 * ax[i] + 0.97 * ay[i] - 5) / w - by[i];
      expected += ex * ex + ey * ey < 9 ? 1 : 0;
    }
    assertEquals(expected, FeatureMatching.inliers(a, b, matches, 300, 3.0, 1, Integer.MAX_VALUE));
    int early = FeatureMatching.inliers(a, b, matches, 300, 3.0, 1, 40);
    assertTrue(early >= 40 && early <= expected, "stops at the first homography with 40 inliers: " + early);
    assertEquals(0, FeatureMatching.inliers(a, b, java.util.Arrays.copyOf(matches, 6), 300, 3.0, 1, 4));
  }

  @Test
  void stoppingEarlyDecidesAsTheFullSearch(Random r) {
    List<byte[]> forms = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      BufferedImage img = LocalFeaturesTest.scene(r, 320, 240);
      forms.add(LocalFeaturesTest.features(img));
      forms.add(LocalFeaturesTest.features(LocalFeaturesTest.rotatedAndCropped(img, 4, 0.8, r.nextDouble(), 0.5)));
    }
    for (byte[] a : forms) {
      for (byte[] b : forms) {
        int full = LocalFeatures.inliers(a, b);
        for (int enough : new int[] {4, 10, 30, 60, 120}) {
          assertEquals(full >= enough, LocalFeatures.inliers(a, b, enough) >= enough, full + " against " + enough);
        }
      }
    }
  }
}
