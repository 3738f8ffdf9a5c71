package dev.nhl.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The prefix table against brute force: over every code, and over the buckets it probed. */
@ExtendWith(Seeded.class)
class PrefixBucketsTest {

  static final int[] CODE_BYTES = {1, 2, 3, 8, 9, 16, 17};

  /** A table of random or clustered codes with distinct ids in no particular order. */
  record Table(byte[][] codes, int[] ids, int keyBits, PrefixBuckets buckets) {}

  static Table table(Random r, int n, int codeBytes) {
    byte[][] codes = r.nextBoolean()
        ? TestCodes.random(r, n, codeBytes)
        : TestCodes.clustered(r, n, codeBytes, 1 + r.nextInt(20), 0.02 + 0.2 * r.nextDouble());
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = 3 * i + 7;
    }
    for (int i = n - 1; i > 0; i--) { // shuffled: ids do not follow the codes' order
      int j = r.nextInt(i + 1);
      int t = ids[i];
      ids[i] = ids[j];
      ids[j] = t;
    }
    int keyBits = r.nextBoolean()
        ? PrefixBuckets.keyBits(n, codeBytes)
        : 1 + r.nextInt(Math.min(PrefixBuckets.MAX_KEY_BITS, 8 * codeBytes));
    PrefixBuckets b = PrefixBuckets.of(keyBits, n, codeBytes, PrefixBuckets.build(codes, ids, keyBits));
    return new Table(codes, ids, keyBits, b);
  }

  static int keyDistance(byte[] a, byte[] b, int keyBits) {
    return Integer.bitCount(
        PrefixBuckets.key(a, 0, a.length, keyBits) ^ PrefixBuckets.key(b, 0, b.length, keyBits));
  }

  /** The oracle: codes {@code i} with {@code within[i]}, accepted, ranked by (distance, id), cut at k. */
  static List<TestCodes.Pair> oracle(Table t, byte[] query, int bits, BitSet accept, boolean[] within, int k) {
    List<TestCodes.Pair> all = new ArrayList<>();
    for (int i = 0; i < t.codes.length; i++) {
      if (within[i] && (accept == null || accept.get(t.ids[i]))) {
        all.add(new TestCodes.Pair(t.ids[i], Codes.hamming(t.codes[i], query, bits)));
      }
    }
    all.sort(Comparator.comparingInt(TestCodes.Pair::distance).thenComparingInt(TestCodes.Pair::id));
    return all.subList(0, Math.min(k, all.size()));
  }

  static BitSet randomAccept(Random r, int[] ids) {
    if (r.nextBoolean()) {
      return null;
    }
    BitSet accept = new BitSet();
    double p = r.nextDouble();
    for (int id : ids) {
      if (r.nextDouble() < p) {
        accept.set(id);
      }
    }
    return accept;
  }

  static byte[] query(Random r, byte[][] codes) {
    byte[] q = r.nextBoolean() ? codes[r.nextInt(codes.length)].clone() : new byte[codes[0].length];
    if (r.nextBoolean()) {
      r.nextBytes(q);
    } else {
      q[r.nextInt(q.length)] ^= (byte) (1 << r.nextInt(8));
    }
    return q;
  }

  @RepeatedTest(5)
  void probingEveryCodeIsAnExactSearch(Random r) {
    for (int codeBytes : CODE_BYTES) {
      int n = 1 + r.nextInt(r.nextBoolean() ? 50 : 3000);
      Table t = table(r, n, codeBytes);
      boolean[] all = new boolean[n];
      java.util.Arrays.fill(all, true);
      for (int q = 0; q < 5; q++) {
        byte[] query = query(r, t.codes);
        int bits = 8 * (1 + r.nextInt(codeBytes));
        int k = 1 + r.nextInt(r.nextBoolean() ? 10 : 200);
        BitSet accept = randomAccept(r, t.ids);
        Hits hits = t.buckets.search(query, bits, k, n, accept == null ? null : accept::get);
        String msg = "bytes=" + codeBytes + " n=" + n + " keyBits=" + t.keyBits + " bits=" + bits + " k=" + k;
        assertEquals(oracle(t, query, bits, accept, all, k), TestCodes.pairs(hits), msg);
      }
    }
  }

  @RepeatedTest(5)
  void aProbeRanksExactlyTheCodesOfTheBallsItProbed(Random r) {
    for (int codeBytes : CODE_BYTES) {
      int n = 1 + r.nextInt(4000);
      Table t = table(r, n, codeBytes);
      for (int q = 0; q < 5; q++) {
        byte[] query = query(r, t.codes);
        int bits = 8 * (1 + r.nextInt(codeBytes));
        int k = 1 + r.nextInt(20);
        long minCandidates = 1 + r.nextInt(n);
        BitSet accept = randomAccept(r, t.ids);
        // the radius the probe must reach: enough candidates, and k accepted (or every bucket)
        int radius = 0;
        for (; radius < t.keyBits; radius++) {
          int ranked = 0;
          int accepted = 0;
          for (int i = 0; i < n; i++) {
            if (keyDistance(t.codes[i], query, t.keyBits) <= radius) {
              ranked++;
              accepted += accept == null || accept.get(t.ids[i]) ? 1 : 0;
            }
          }
          if (ranked >= minCandidates && accepted >= k) {
            break;
          }
        }
        boolean[] within = new boolean[n];
        int inBall = 0;
        for (int i = 0; i < n; i++) {
          within[i] = keyDistance(t.codes[i], query, t.keyBits) <= radius;
          inBall += within[i] ? 1 : 0;
        }
        Hits hits = t.buckets.search(query, bits, k, minCandidates, accept == null ? null : accept::get);
        String msg = "bytes=" + codeBytes + " n=" + n + " keyBits=" + t.keyBits + " radius=" + radius
            + " min=" + minCandidates + " k=" + k;
        assertEquals(oracle(t, query, bits, accept, within, k), TestCodes.pairs(hits), msg);
        assertEquals(inBall, hits.stages().getFirst().candidates(), msg);
      }
    }
  }

  @RepeatedTest(5)
  void radiusSearchesAreExact(Random r) {
    for (int codeBytes : CODE_BYTES) {
      int n = 1 + r.nextInt(3000);
      Table t = table(r, n, codeBytes);
      boolean[] all = new boolean[n];
      java.util.Arrays.fill(all, true);
      for (int q = 0; q < 5; q++) {
        byte[] query = query(r, t.codes);
        int minBytes = (t.keyBits + 7) / 8;
        int bits = 8 * (minBytes + r.nextInt(codeBytes - minBytes + 1));
        int radius = r.nextInt(Math.min(bits, 12) + 1);
        BitSet accept = randomAccept(r, t.ids);
        List<TestCodes.Pair> expected = new ArrayList<>();
        for (TestCodes.Pair p : oracle(t, query, bits, accept, all, n)) {
          if (p.distance() <= radius) {
            expected.add(p);
          }
        }
        Hits hits = t.buckets.radius(query, bits, radius, accept == null ? null : accept::get);
        assertEquals(expected, TestCodes.pairs(hits),
            "bytes=" + codeBytes + " n=" + n + " keyBits=" + t.keyBits + " bits=" + bits + " radius=" + radius);
        assertTrue(hits.stages().getFirst().candidates() <= n);
      }
    }
  }

  @Test
  void ballSizesAreSumsOfBinomials() {
    assertEquals(1, PrefixBuckets.ballSize(16, 0));
    assertEquals(17, PrefixBuckets.ballSize(16, 1));
    assertEquals(137, PrefixBuckets.ballSize(16, 2));
    assertEquals(697, PrefixBuckets.ballSize(16, 3));
    assertEquals(1 << 16, PrefixBuckets.ballSize(16, 16));
    assertEquals(1 << 16, PrefixBuckets.ballSize(16, 40));
    assertEquals(4, PrefixBuckets.ballSize(3, 1));
    assertTrue(PrefixBuckets.worthProbingRadius(16, 3, 10_000_000));
    assertTrue(!PrefixBuckets.worthProbingRadius(16, 4, 10_000_000));
  }

  @Test
  void probeSizesOnWorkedExamples(Random r) {
    int n = 8000;
    byte[][] codes = TestCodes.random(r, n, 16);
    int[] ids = new int[n];
    PrefixBuckets b = PrefixBuckets.of(9, n, 16, PrefixBuckets.build(codes, ids, 9));
    assertEquals(500, b.probeSize(0, 1, n)); // default max(n / 200, 500 k) = 500, under n / 8
    assertEquals(0, b.probeSize(0, 2, n)); // 1,000 = n / 8: a scan
    assertEquals(300, b.probeSize(300, 2, n)); // asked for: a probe, whatever its size
    assertEquals(20_000, b.probeSize(20_000, 2, n));
    assertEquals(600, b.probeSize(300, 2, n / 2)); // half the codes accepted: twice the candidates
    assertEquals(0, b.probeSize(300, 2, n / 4 - 1)); // under a quarter accepted: a scan
    assertEquals(0, b.probeSize(0, 1, n / 2)); // the default over half the codes: 1,000 = n / 8
    assertEquals(834, b.probeSize(0, 1, 4800)); // 500 / 0.6, rounded up: a probe
  }

  @Test
  void keyBitsGrowWithTheCountUpToSixteen() {
    assertEquals(1, PrefixBuckets.keyBits(1, 16));
    assertEquals(6, PrefixBuckets.keyBits(1024, 16));
    assertEquals(15, PrefixBuckets.keyBits(1_000_000, 16));
    assertEquals(16, PrefixBuckets.keyBits(10_000_000, 16));
    assertEquals(8, PrefixBuckets.keyBits(10_000_000, 1)); // no more than the code has
  }

  @Test
  void theKeyIsTheFirstBitsMostSignificantFirst() {
    byte[] code = Codes.fromHex("b5c3ff");
    assertEquals(0b1, PrefixBuckets.key(code, 0, 3, 1));
    assertEquals(0b1011, PrefixBuckets.key(code, 0, 3, 4));
    assertEquals(0xb5c, PrefixBuckets.key(code, 0, 3, 12));
    assertEquals(0xb5c3, PrefixBuckets.key(code, 0, 3, 16));
    assertEquals(0b10110, PrefixBuckets.key(code, 0, 1, 5));
  }

  @Test
  void damagedBucketStartsAreRefused(Random r) {
    byte[][] codes = TestCodes.random(r, 100, 16);
    int[] ids = new int[100];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i;
    }
    ValueLayout.OfInt le = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    for (int at : new int[] {0, 5, 16}) {
      MemorySegment data = PrefixBuckets.build(codes, ids, 4);
      data.set(le, 4L * at, data.get(le, 4L * at) + (at == 16 ? -1 : 101));
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> PrefixBuckets.of(4, 100, 16, data));
      assertTrue(e.getMessage().contains("start") || e.getMessage().contains("end"), e.getMessage());
    }
    MemorySegment data = PrefixBuckets.build(codes, ids, 4);
    IllegalArgumentException shortRegion = assertThrows(IllegalArgumentException.class,
        () -> PrefixBuckets.of(4, 100, 16, data.asSlice(0, data.byteSize() - 1)));
    assertTrue(shortRegion.getMessage().contains("got " + (data.byteSize() - 1)), shortRegion.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PrefixBuckets.of(17, 100, 16, data));
    assertThrows(IllegalArgumentException.class, () -> PrefixBuckets.of(9, 100, 1, data));
  }

  @Test
  void badSearchArgumentsNameTheValue(Random r) {
    byte[][] codes = TestCodes.random(r, 10, 16);
    int[] ids = new int[10];
    PrefixBuckets b = PrefixBuckets.of(4, 10, 16, PrefixBuckets.build(codes, ids, 4));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> b.search(new byte[16], 136, 10, 10, null));
    assertTrue(e.getMessage().contains("got 136"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> b.search(new byte[16], 12, 10, 10, null));
    assertTrue(e.getMessage().contains("got 12"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> b.search(new byte[1], 64, 10, 10, null));
    assertTrue(e.getMessage().contains("got 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> b.search(new byte[16], 64, 0, 10, null));
    assertTrue(e.getMessage().contains("got 0"), e.getMessage());
  }
}
