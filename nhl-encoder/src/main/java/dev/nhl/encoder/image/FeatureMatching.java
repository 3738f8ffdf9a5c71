package dev.nhl.encoder.image;

import boofcv.alg.geo.robust.DistanceHomographySq;
import boofcv.alg.geo.robust.GenerateHomographyLinear;
import boofcv.struct.geo.AssociatedPair;
import georegression.struct.homography.Homography2D_F64;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The two steps of {@link LocalFeatures#inliers}: descriptors matched both ways with a ratio test,
 * and the homography most matches agree on, found by RANSAC.
 *
 * <p>The matching is BoofCV's greedy association with backwards validation and a ratio test on
 * squared distances ({@code AssociateGreedyDesc}), worked out on the integer descriptors of the
 * compact form: a squared distance is {@code |a|² + |b|² − 2 a·b}, and the dot products of all
 * pairs are one matrix product of floats, exact because every partial sum is an integer below
 * 2²⁴. That is what makes comparing the pairs of a large collection affordable; a test holds it to
 * BoofCV's matcher.
 *
 * <p>RANSAC draws its samples from a fixed seed, so the same forms give the same count. A sample
 * that beats the best so far is refitted to all its inliers (the local optimisation of LO-RANSAC,
 * Chum, Matas and Kittler 2003), which finds the homography of a rotated or cropped copy far more
 * reliably than four points alone. The search stops as soon as a homography has {@code stopAt}
 * inliers, which decides "at least that many" exactly as running every trial would.
 */
final class FeatureMatching {

  private FeatureMatching() {}

  /** Descriptors of one form: {@code n} rows of {@code dim} integer values (as floats), their squared norms, positions. */
  record Descriptors(int n, int dim, float[] values, int[] norms, double[] x, double[] y) {}

  /**
   * The matches from {@code a} to {@code b}, in the order of {@code a}'s points: pairs {@code
   * (i, j)} flattened, where {@code j} is the nearest of {@code b} to {@code i}, nearer than
   * {@code ratio} times the second nearest (squared distances; a distance of 0 passes), and no
   * other point of {@code a} is as near to {@code j}.
   */
  static int[] match(Descriptors a, Descriptors b, double ratio) {
    int na = a.n();
    int nb = b.n();
    int dim = a.dim();
    if (na == 0 || nb == 0) {
      return new int[0];
    }
    // b transposed into one array per dimension, so that one point of a against every point of b
    // is a run of a * row[j] added to dot[j]: the same index in two arrays, which the JIT turns
    // into vector instructions (an offset into one shared array would defeat it)
    float[][] bt = new float[dim][nb];
    for (int j = 0; j < nb; j++) {
      for (int k = 0; k < dim; k++) {
        bt[k][j] = b.values()[j * dim + k];
      }
    }
    float[] av = a.values();
    int[] bn = b.norms();
    int[] dist = new int[na * nb];
    float[] dot = new float[nb];
    for (int i = 0; i < na; i++) {
      java.util.Arrays.fill(dot, 0f);
      int row = i * dim;
      for (int k = 0; k < dim; k++) {
        float s = av[row + k];
        if (s != 0f) {
          float[] column = bt[k];
          for (int j = 0; j < nb; j++) {
            dot[j] += s * column[j];
          }
        }
      }
      int base = i * nb;
      int ni = a.norms()[i];
      for (int j = 0; j < nb; j++) {
        dist[base + j] = ni + bn[j] - 2 * (int) dot[j];
      }
    }
    int[] out = new int[2 * na];
    int found = 0;
    for (int i = 0; i < na; i++) {
      int base = i * nb;
      // the last of equal nearest wins, as in BoofCV
      int best = 0;
      for (int j = 1; j < nb; j++) {
        if (dist[base + j] <= dist[base + best]) {
          best = j;
        }
      }
      int bestDist = dist[base + best];
      if (bestDist != 0) {
        long second = Long.MAX_VALUE;
        for (int j = 0; j < nb; j++) {
          if (j != best && dist[base + j] < second) {
            second = dist[base + j];
          }
        }
        if (second != Long.MAX_VALUE && second * ratio < bestDist) {
          continue;
        }
      }
      boolean unique = true;
      for (int o = 0; o < na && unique; o++) {
        unique = o == i || dist[o * nb + best] > bestDist;
      }
      if (unique) {
        out[found++] = i;
        out[found++] = best;
      }
    }
    return java.util.Arrays.copyOf(out, found);
  }

  /**
   * The most matches one homography maps within {@code pixels} of their partner, over {@code
   * trials} samples of four drawn from {@code seed}, or the first count that reaches {@code
   * stopAt}; 0 when there are fewer than four matches.
   */
  static int inliers(Descriptors a, Descriptors b, int[] matches, int trials, double pixels, long seed, int stopAt) {
    int m = matches.length / 2;
    if (m < 4) {
      return 0;
    }
    List<AssociatedPair> pairs = new ArrayList<>(m);
    for (int p = 0; p < m; p++) {
      int i = matches[2 * p];
      int j = matches[2 * p + 1];
      pairs.add(new AssociatedPair(a.x()[i], a.y()[i], b.x()[j], b.y()[j]));
    }
    GenerateHomographyLinear fit = new GenerateHomographyLinear(true);
    DistanceHomographySq distance = new DistanceHomographySq();
    Homography2D_F64 h = new Homography2D_F64();
    distance.setModel(h);
    double tolerance = pixels * pixels;
    Random random = new Random(seed);
    List<AssociatedPair> sample = new ArrayList<>(4);
    int[] drawn = new int[4];
    int most = 0;
    for (int t = 0; t < trials && most < stopAt && most < m; t++) {
      sample.clear();
      for (int s = 0; s < 4; s++) {
        int pick;
        boolean repeat;
        do {
          pick = random.nextInt(m);
          repeat = false;
          for (int q = 0; q < s; q++) {
            repeat |= drawn[q] == pick;
          }
        } while (repeat);
        drawn[s] = pick;
        sample.add(pairs.get(pick));
      }
      if (!fit.generate(sample, h)) {
        continue;
      }
      int count = count(pairs, distance, tolerance, most, null);
      // a better sample is refitted to all its inliers while that finds more: four points of a
      // rotated or cropped copy fix the homography only roughly, all of them fix it well
      for (int refit = 0; count > most && refit < REFITS; refit++) {
        most = count;
        List<AssociatedPair> inlying = new ArrayList<>(count);
        count(pairs, distance, tolerance, 0, inlying);
        if (!fit.generate(inlying, h)) {
          break;
        }
        count = count(pairs, distance, tolerance, most, null);
      }
      most = Math.max(most, count);
    }
    return most;
  }

  /** Refits of a homography to its inliers, at most, after a sample that beats the best so far. */
  private static final int REFITS = 3;

  /**
   * The pairs within the tolerance of the current model, added to {@code inlying} when given;
   * stops early (with a count of at most {@code toBeat}) once the rest cannot beat {@code toBeat}.
   */
  private static int count(List<AssociatedPair> pairs, DistanceHomographySq distance, double tolerance, int toBeat,
      List<AssociatedPair> inlying) {
    int m = pairs.size();
    int count = 0;
    for (int p = 0; p < m && count + (m - p) > toBeat; p++) {
      if (distance.distance(pairs.get(p)) < tolerance) {
        count++;
        if (inlying != null) {
          inlying.add(pairs.get(p));
        }
      }
    }
    return count;
  }
}
