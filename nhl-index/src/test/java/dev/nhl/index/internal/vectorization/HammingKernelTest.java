package dev.nhl.index.internal.vectorization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.Seeded;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SIMD == scalar == an independent byte-wise oracle, around every vector boundary. */
@ExtendWith(Seeded.class)
class HammingKernelTest {

  static final int[] SIZES = {
    1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1021, 1024, 2048
  };
  static final int[] WORDS = {1, 2, 4, 8};

  /** The build's second test run: no Vector API module, {@code -Dnhl.vectorization=scalar}. */
  static final boolean SCALAR_RUN = "scalar".equals(System.getProperty(VectorizationProvider.PROPERTY));

  final HammingKernel scalar = VectorizationProvider.scalar().hammingKernel();
  // in the scalar run the comparisons below check the scalar kernel against the oracle alone
  final HammingKernel panama = SCALAR_RUN ? scalar : VectorizationProvider.lookup("panama").hammingKernel();

  @Test
  void theProviderFollowsTheJvm() {
    if (SCALAR_RUN) {
      assertEquals("scalar", VectorizationProvider.getInstance().name());
      assertTrue(VectorizationProvider.panamaUnavailableReason() != null);
    } else {
      // surefire's main run reads jdk.incubator.vector; without it this class compares scalar with scalar
      assertNull(VectorizationProvider.panamaUnavailableReason());
      assertEquals("panama", VectorizationProvider.getInstance().name());
    }
  }

  enum Fill { RANDOM, ZEROS, ONES }

  static byte[] plane(Random r, int codes, int w, Fill fill) {
    byte[] b = new byte[codes * w + 64];
    switch (fill) {
      case RANDOM -> r.nextBytes(b);
      case ZEROS -> {}
      case ONES -> java.util.Arrays.fill(b, (byte) -1);
    }
    return b;
  }

  /** Oracle: byte-wise popcount of code {@code j}'s word against the query bytes. */
  static int oracle(byte[] plane, int w, byte[] query, long j) {
    int d = 0;
    for (int b = 0; b < w; b++) {
      d += Integer.bitCount((plane[(int) (j * w + b)] ^ query[b]) & 0xFF);
    }
    return d;
  }

  static long queryWord(byte[] q, int w) {
    long v = 0;
    for (int b = 0; b < w; b++) {
      v |= (q[b] & 0xFFL) << (8 * b);
    }
    return v;
  }

  @Test
  void scanMatchesOracleAtVectorBoundaries(Random r) {
    for (Fill fill : Fill.values()) {
      for (int w : WORDS) {
        for (int n : SIZES) {
          int from = r.nextInt(5);
          byte[] bytes = plane(r, n + from, w, fill);
          MemorySegment seg = MemorySegment.ofArray(bytes);
          byte[] q = new byte[w];
          switch (fill) {
            case RANDOM -> r.nextBytes(q);
            case ZEROS -> {}
            case ONES -> {
              if (r.nextBoolean()) {
                java.util.Arrays.fill(q, (byte) -1);
              }
            }
          }
          long qw = queryWord(q, w);
          short[] base = new short[n];
          for (int i = 0; i < n; i++) {
            base[i] = (short) r.nextInt(200);
          }
          for (boolean add : new boolean[] {false, true}) {
            short[] expected = new short[n];
            for (int i = 0; i < n; i++) {
              expected[i] = (short) ((add ? base[i] : 0) + oracle(bytes, w, q, from + i));
            }
            short[] s = base.clone();
            short[] p = base.clone();
            scalar.scan(seg, w, qw, from, n, s, add);
            panama.scan(seg, w, qw, from, n, p, add);
            String msg = "fill=" + fill + " w=" + w + " n=" + n + " from=" + from + " add=" + add;
            assertArrayEquals(expected, s, "scalar " + msg);
            assertArrayEquals(expected, p, "panama " + msg);
          }
        }
      }
    }
  }

  @Test
  void scanBelowEqualsScanThenBelow(Random r) {
    for (int w : WORDS) {
      for (int n : SIZES) {
        byte[] bytes = plane(r, n + 3, w, Fill.RANDOM);
        MemorySegment seg = java.lang.foreign.Arena.ofAuto().allocate(bytes.length, 64);
        MemorySegment.copy(bytes, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
        byte[] q = new byte[w];
        r.nextBytes(q);
        short[] base = new short[n];
        for (int i = 0; i < n; i++) {
          base[i] = (short) r.nextInt(40);
        }
        for (boolean add : new boolean[] {false, true}) {
          int bound = r.nextInt(8 * w + 40);
          short[] expectedDist = base.clone();
          int[] expectedPos = new int[n];
          scalar.scan(seg, w, queryWord(q, w), 3, n, expectedDist, add);
          int expectedCount = scalar.below(expectedDist, n, bound, expectedPos);
          for (HammingKernel k : new HammingKernel[] {scalar, panama}) {
            short[] d = base.clone();
            int[] pos = new int[n];
            int c = k.scanBelow(seg, w, queryWord(q, w), 3, n, d, add, bound, pos);
            String msg = k.getClass().getSimpleName() + " w=" + w + " n=" + n + " add=" + add + " bound=" + bound;
            assertArrayEquals(expectedDist, d, msg);
            assertEquals(expectedCount, c, msg);
            assertArrayEquals(java.util.Arrays.copyOf(expectedPos, c), java.util.Arrays.copyOf(pos, c), msg);
          }
        }
      }
    }
  }

  @Test
  void scanPairBelowEqualsTwoScansThenBelow(Random r) {
    for (int w : WORDS) {
      for (int n : SIZES) {
        MemorySegment[] segs = new MemorySegment[2];
        long[] q = new long[2];
        for (int p = 0; p < 2; p++) {
          byte[] bytes = plane(r, n + 3, w, Fill.RANDOM);
          segs[p] = java.lang.foreign.Arena.ofAuto().allocate(bytes.length, 64);
          MemorySegment.copy(bytes, 0, segs[p], java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
          byte[] qb = new byte[w];
          r.nextBytes(qb);
          q[p] = queryWord(qb, w);
        }
        int bound = r.nextInt(16 * w + 2);
        short[] expectedDist = new short[n];
        scalar.scan(segs[0], w, q[0], 3, n, expectedDist, false);
        scalar.scan(segs[1], w, q[1], 3, n, expectedDist, true);
        int[] expectedPos = new int[n];
        int expectedCount = scalar.below(expectedDist, n, bound, expectedPos);
        for (HammingKernel k : new HammingKernel[] {scalar, panama}) {
          short[] d = new short[n];
          java.util.Arrays.fill(d, (short) 77); // overwritten, not added to
          int[] pos = new int[n];
          int c = k.scanPairBelow(segs[0], q[0], segs[1], q[1], w, 3, n, d, bound, pos);
          String msg = k.getClass().getSimpleName() + " w=" + w + " n=" + n + " bound=" + bound;
          assertArrayEquals(expectedDist, d, msg);
          assertEquals(expectedCount, c, msg);
          assertArrayEquals(java.util.Arrays.copyOf(expectedPos, c), java.util.Arrays.copyOf(pos, c), msg);
        }
      }
    }
  }

  @Test
  void scanReadsOffHeapSegmentsToo(Random r) {
    try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
      for (int w : WORDS) {
        int n = 1000 + r.nextInt(100);
        byte[] bytes = plane(r, n, w, Fill.RANDOM);
        MemorySegment seg = a.allocate(bytes.length, 64);
        MemorySegment.copy(bytes, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
        byte[] q = new byte[w];
        r.nextBytes(q);
        short[] s = new short[n];
        short[] p = new short[n];
        scalar.scan(seg, w, queryWord(q, w), 0, n, s, false);
        panama.scan(seg, w, queryWord(q, w), 0, n, p, false);
        assertArrayEquals(s, p, "w=" + w);
        for (int i = 0; i < n; i++) {
          assertEquals(oracle(bytes, w, q, i), s[i]);
        }
      }
    }
  }

  @Test
  void gatherMatchesOracle(Random r) {
    for (int w : WORDS) {
      int n = 3000;
      byte[] bytes = plane(r, n, w, Fill.RANDOM);
      MemorySegment seg = MemorySegment.ofArray(bytes);
      byte[] q = new byte[w];
      r.nextBytes(q);
      int m = r.nextInt(500);
      int[] ids = r.ints(m, 0, n).sorted().toArray();
      short[] s = new short[m];
      short[] p = new short[m];
      for (int i = 0; i < m; i++) {
        s[i] = p[i] = (short) i;
      }
      scalar.gather(seg, w, queryWord(q, w), ids, m, s);
      panama.gather(seg, w, queryWord(q, w), ids, m, p);
      for (int i = 0; i < m; i++) {
        assertEquals(i + oracle(bytes, w, q, ids[i]), s[i]);
      }
      assertArrayEquals(s, p);
    }
  }

  @Test
  void maskedRowDistanceMatchesOracle(Random r) {
    for (int words : new int[] {1, 2, 3, 4}) {
      int rowBytes = 8 * words;
      int n = 200;
      byte[] rows = new byte[n * rowBytes];
      r.nextBytes(rows);
      MemorySegment seg = MemorySegment.ofArray(rows);
      byte[] q = new byte[rowBytes];
      r.nextBytes(q);
      long[] query = new long[words];
      long[] masks = new long[words];
      byte[] maskBytes = new byte[rowBytes];
      for (int w = 0; w < words; w++) {
        query[w] = queryWord(java.util.Arrays.copyOfRange(q, 8 * w, 8 * w + 8), 8);
        // some words left out entirely, as a substring's masks leave them
        masks[w] = r.nextInt(3) == 0 ? 0 : r.nextLong();
        for (int b = 0; b < 8; b++) {
          maskBytes[8 * w + b] = (byte) (masks[w] >>> (8 * b));
        }
      }
      for (int i = 0; i < n; i++) {
        int expected = 0;
        for (int b = 0; b < rowBytes; b++) {
          expected += Integer.bitCount((rows[i * rowBytes + b] ^ q[b]) & maskBytes[b] & 0xFF);
        }
        assertEquals(expected, scalar.maskedXorBitCount(seg, (long) i * rowBytes, query, masks));
        assertEquals(expected, panama.maskedXorBitCount(seg, (long) i * rowBytes, query, masks));
      }
    }
  }

  @Test
  void belowMatchesOracle(Random r) {
    for (int n : SIZES) {
      short[] d = new short[n];
      for (int i = 0; i < n; i++) {
        d[i] = (short) r.nextInt(130);
      }
      for (int bound : new int[] {0, 1, 5, 64, 129, 131, 8193}) {
        int[] s = new int[n];
        int[] p = new int[n];
        int ns = scalar.below(d, n, bound, s);
        int np = panama.below(d, n, bound, p);
        int expected = 0;
        for (int i = 0; i < n; i++) {
          if (d[i] < bound) {
            assertEquals(i, s[expected]);
            expected++;
          }
        }
        assertEquals(expected, ns);
        assertEquals(expected, np, "n=" + n + " bound=" + bound);
        assertArrayEquals(s, p);
      }
    }
  }

  @Test
  void overrideProperty() {
    assertEquals("scalar", VectorizationProvider.lookup("scalar").name());
    if (SCALAR_RUN) {
      // without the module, auto falls back and an explicit panama is refused with the fix named
      assertEquals("scalar", VectorizationProvider.lookup("auto").name());
      IllegalArgumentException refused =
          assertThrows(IllegalArgumentException.class, () -> VectorizationProvider.lookup("panama"));
      assertTrue(refused.getMessage().contains("--add-modules jdk.incubator.vector"), refused.getMessage());
    } else {
      assertEquals("panama", VectorizationProvider.lookup("PANAMA").name());
      assertEquals("panama", VectorizationProvider.lookup(null).name());
      assertEquals("panama", VectorizationProvider.lookup("auto").name());
    }
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> VectorizationProvider.lookup("avx9"));
    assertTrue(e.getMessage().contains("\"avx9\"") && e.getMessage().contains("auto, scalar or panama"));
  }
}
