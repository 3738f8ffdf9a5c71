package dev.nhl.encoder.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.Codes;
import dev.nhl.index.Seeded;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(Seeded.class)
class RetrievalMetricsTest {

  static byte[] code(int b) {
    return new byte[] {(byte) b};
  }

  /**
   * Query 0x00 (label 0) against five 8-bit codes. Distances 1, 0, 2, 1, 8; ranking by distance,
   * ties by index: items 1, 0, 3, 2, 4, relevance 1, 0, 1, 1, 1. AP@All = (1/1 + 2/3 + 3/4 +
   * 4/5) / 4; AP@3 = (1/1 + 2/3) / 2. Query 0xF0 (label 2) has no relevant item: AP 0.
   */
  @Test
  void workedExample() {
    byte[][] db = {code(0x01), code(0x00), code(0x03), code(0x01), code(0xFF)};
    Labels dbl = Labels.single(new int[] {1, 0, 0, 0, 0}, 3);
    RetrievalMetrics one = RetrievalMetrics.of(new byte[][] {code(0x00)}, Labels.single(new int[] {0}, 3), db, dbl);
    double apAll = (1 + 2 / 3.0 + 3 / 4.0 + 4 / 5.0) / 4;
    assertEquals(apAll, one.meanAveragePrecision(8, 1000), 1e-12);
    assertEquals((1 + 2 / 3.0) / 2, one.meanAveragePrecision(8, 3), 1e-12);
    assertEquals(1, one.meanAveragePrecision(8, 1), 1e-12);
    // within radius 2: items 1, 0, 3, 2, of which 3 relevant
    assertEquals(0.75, one.precisionWithinRadius(8, 2), 1e-12);
    // at 4 bits (the first nibble) every code but 0xFF is at distance 0: ranked by index 0,1,2,3,4
    assertEquals((1 / 2.0 + 2 / 3.0 + 3 / 4.0 + 4 / 5.0) / 4, one.meanAveragePrecision(4, 1000), 1e-12);

    RetrievalMetrics two = RetrievalMetrics.of(new byte[][] {code(0x00), code(0xF0)},
        Labels.single(new int[] {0, 2}, 3), db, dbl);
    assertEquals(apAll / 2, two.meanAveragePrecision(8, 1000), 1e-12);
    assertEquals(0.375, two.precisionWithinRadius(8, 2), 1e-12);
    RetrievalMetrics.PrecisionRecall pr = one.precisionRecall(8);
    // radius 0: item 1 (relevant); radius 1: + items 0, 3; radius 2: + item 2; radius 8: all
    assertArrayEquals(new double[] {1, 2 / 3.0, 3 / 4.0, 3 / 4.0}, java.util.Arrays.copyOf(pr.precision(), 4), 1e-12);
    assertArrayEquals(new double[] {1 / 4.0, 2 / 4.0, 3 / 4.0, 3 / 4.0}, java.util.Arrays.copyOf(pr.recall(), 4), 1e-12);
    assertEquals(1, pr.recall()[8], 1e-12);
  }

  /** A sort-based implementation of the same definition, for random codes and multi-labels. */
  @Test
  void matchesASortingOracle(Random r) {
    int nq = 30;
    int nd = 400;
    int bytes = 3;
    byte[][] q = new byte[nq][bytes];
    byte[][] d = new byte[nd][bytes];
    for (byte[] c : q) {
      r.nextBytes(c);
    }
    for (byte[] c : d) {
      r.nextBytes(c);
    }
    Labels ql = GradientCheckTest.randomLabels(r, nq, 6, true);
    Labels dl = GradientCheckTest.randomLabels(r, nd, 6, true);
    RetrievalMetrics byIndex = RetrievalMetrics.of(q, ql, d, dl);
    RetrievalMetrics shuffled = byIndex.withTiesShuffled(r.nextLong());
    for (RetrievalMetrics m : new RetrievalMetrics[] {byIndex, shuffled, shuffled.withTiesShuffled(r.nextLong())}) {
      int[] tieRank = m.tieRanks();
      for (int bits : new int[] {5, 8, 17, 24}) {
        for (int k : new int[] {1, 10, 100, 400, 5000}) {
          double sum = 0;
          for (int i = 0; i < nq; i++) {
            final int qi = i;
            List<Integer> order = new ArrayList<>();
            for (int j = 0; j < nd; j++) {
              order.add(j);
            }
            order.sort(Comparator.comparingInt((Integer j) -> Codes.hamming(prefixed(q[qi], bits), prefixed(d[j], bits), 24))
                .thenComparingInt(j -> tieRank[j]));
            int rel = 0;
            double ap = 0;
            for (int rank = 0; rank < Math.min(k, nd); rank++) {
              if (ql.relevant(qi, dl, order.get(rank))) {
                rel++;
                ap += rel / (double) (rank + 1);
              }
            }
            sum += rel == 0 ? 0 : ap / rel;
          }
          assertEquals(sum / nq, m.meanAveragePrecision(bits, k), 1e-9, "bits " + bits + " k " + k);
        }
        int[] ks = {5000, 1, 100, 10, 400};
        double[] atOnce = m.meanAveragePrecision(bits, ks);
        for (int i = 0; i < ks.length; i++) {
          assertEquals(m.meanAveragePrecision(bits, ks[i]), atOnce[i], 1e-12, "several K at once, bits " + bits);
        }
      }
    }
  }

  /**
   * A class-sorted database whose codes all tie: by index, a query of the first class finds its
   * class first (AP 1); with shuffled ties, AP@All falls to about the class's share.
   */
  @Test
  void shuffledTiesDoNotFavourASortedDatabase(Random r) {
    byte[][] db = new byte[1000][];
    int[] classes = new int[1000];
    for (int i = 0; i < db.length; i++) {
      db[i] = code(0x5A);
      classes[i] = i / 100;
    }
    Labels dl = Labels.single(classes, 10);
    RetrievalMetrics m = RetrievalMetrics.of(new byte[][] {code(0x5A)}, Labels.single(new int[] {0}, 10), db, dl);
    assertEquals(1, m.meanAveragePrecision(8, 1000), 1e-12);
    double shuffled = m.withTiesShuffled(r.nextLong()).meanAveragePrecision(8, 1000);
    assertTrue(shuffled > 0.05 && shuffled < 0.2, "AP with shuffled ties " + shuffled);
    assertEquals(m.withTiesShuffled(9).meanAveragePrecision(8, 1000), m.withTiesShuffled(9).meanAveragePrecision(8, 1000));
  }

  /** The first {@code bits} bits, the rest zeroed, padded to whole bytes. */
  static byte[] prefixed(byte[] code, int bits) {
    byte[] p = code.clone();
    for (int i = bits; i < p.length * 8; i++) {
      p[i >>> 3] &= (byte) ~(0x80 >>> (i & 7));
    }
    return p;
  }

  @Test
  void rejectsBadInput() {
    byte[][] db = {code(1)};
    Labels l = Labels.single(new int[] {0}, 1);
    assertThrows(IllegalArgumentException.class, () -> RetrievalMetrics.of(db, l, new byte[][] {code(1), code(2)}, l));
    RetrievalMetrics m = RetrievalMetrics.of(db, l, db, l);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.meanAveragePrecision(9, 10));
    assertEquals("code length must be in [1, 8], got 9", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> m.meanAveragePrecision(8, 0));
    assertThrows(IllegalArgumentException.class, () -> m.meanAveragePrecision(8, new int[0]));
    assertThrows(IllegalArgumentException.class, () -> m.meanAveragePrecision(8, new int[] {10, 0}));
  }
}
