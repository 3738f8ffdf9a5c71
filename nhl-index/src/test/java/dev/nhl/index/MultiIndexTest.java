package dev.nhl.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(Seeded.class)
class MultiIndexTest {

  @Test
  void keysAreTheSubstringsBitsMostSignificantFirst() {
    byte[] code = {(byte) 0b1011_0101, (byte) 0b1100_0011, (byte) 0b0111_1110};
    assertEquals(0b1, MultiIndex.key(code, 0, 0, 1));
    assertEquals(0b1011, MultiIndex.key(code, 0, 0, 4));
    assertEquals(0b0101_1100, MultiIndex.key(code, 0, 4, 8));
    assertEquals(0b1_1100_0011, MultiIndex.key(code, 0, 7, 9));
    assertEquals(0b11_0111_1110, MultiIndex.key(code, 0, 14, 10));
    assertEquals(0xb5c37e, MultiIndex.key(code, 0, 0, 24));
    byte[] shifted = {9, 9, (byte) 0b1011_0101, (byte) 0b1100_0011};
    assertEquals(0b0101_1100, MultiIndex.key(shifted, 2, 4, 8));
  }

  @Test
  void substringsFollowLog2OfTheCount() {
    CodeSpec spec = CodeSpec.of(16, 32, 64, 128);
    // log2(10M) = 23.3: six substrings of 21 or 22 bits, the paper's choice
    List<MultiIndex.Substring> ten = MultiIndex.substrings(spec, 10_000_000);
    assertEquals(6, ten.size());
    // log2(1M) = 19.9: seven of 18 or 19 bits
    assertEquals(7, MultiIndex.substrings(spec, 1_000_000).size());
    for (long n : new long[] {1, 100, 300_000, 1_000_000, 10_000_000, 1L << 40}) {
      List<MultiIndex.Substring> s = MultiIndex.substrings(spec, n);
      int end = 0;
      for (MultiIndex.Substring x : s) {
        assertEquals(end, x.from());
        assertTrue(x.width() >= 8 && x.width() <= MultiIndex.MAX_WIDTH, s.toString());
        end = x.end();
      }
      assertEquals(128, end);
    }
    assertEquals(List.of(new MultiIndex.Substring(0, 8)), MultiIndex.substrings(CodeSpec.of(8), 5));
    assertThrows(IllegalArgumentException.class, () -> MultiIndex.substrings(spec, 0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MultiIndex.checkSubstrings(spec, List.of(new MultiIndex.Substring(0, 20), new MultiIndex.Substring(10, 20))));
    assertTrue(e.getMessage().contains("disjoint"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new MultiIndex.Substring(0, 25));
    assertTrue(e.getMessage().contains("25"), e.getMessage());
  }

  /** The region against its specification, built by hand: rows, then starts and ids per table. */
  @Test
  void theRegionIsLaidOutAsSpecified(Random r) throws IOException {
    CodeSpec spec = CodeSpec.of(8, 24);
    int n = 50;
    byte[][] codes = TestCodes.random(r, n, 3);
    List<MultiIndex.Substring> subs = List.of(new MultiIndex.Substring(0, 10), new MultiIndex.Substring(10, 14));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MultiIndexWriter.write(spec, subs, n, v -> {
      for (int i = 0; i < n; i++) {
        v.visit(i, codes[i], 0);
      }
    }, out::write, 64); // a tiny pass: the ids are filled over several passes
    byte[] region = out.toByteArray();
    assertEquals(MultiIndex.regionBytes(spec, subs, n), region.length);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(region).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) { // rows of 8 bytes: the code, zero-padded
      for (int j = 0; j < 8; j++) {
        assertEquals(j < 3 ? codes[i][j] : 0, region[8 * i + j]);
      }
    }
    long at = ColumnLayout.align(8L * n);
    for (MultiIndex.Substring s : subs) {
      int buckets = 1 << s.width();
      int[] starts = new int[buckets + 1];
      for (int key = 0; key <= buckets; key++) {
        starts[key] = b.getInt((int) (at + 4L * key));
      }
      at += ColumnLayout.align(4L * (buckets + 1));
      int[] ids = new int[n];
      for (int i = 0; i < n; i++) {
        ids[i] = b.getInt((int) (at + 4L * i));
      }
      at += ColumnLayout.align(4L * n);
      // the oracle: ordinals sorted by (key, ordinal)
      Integer[] expected = new Integer[n];
      for (int i = 0; i < n; i++) {
        expected[i] = i;
      }
      java.util.Arrays.sort(expected, java.util.Comparator.comparingInt((Integer i) -> keyOf(codes[i], s)).thenComparingInt(i -> i));
      assertArrayEquals(java.util.Arrays.stream(expected).mapToInt(Integer::intValue).toArray(), ids);
      for (int key = 0; key < buckets; key++) {
        for (int p = starts[key]; p < starts[key + 1]; p++) {
          assertEquals(key, keyOf(codes[ids[p]], s));
        }
      }
      assertEquals(n, starts[buckets]);
    }
    assertEquals(region.length, at);
    MultiIndex mi = MultiIndex.of(spec, n, subs, MemorySegment.ofArray(region));
    assertEquals(subs, mi.substrings());
    // starts that decrease are refused
    byte[] broken = region.clone();
    int firstStarts = (int) ColumnLayout.align(8L * n);
    broken[firstStarts + 4 * 3] = 100;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MultiIndex.of(spec, n, subs, MemorySegment.ofArray(broken)));
    assertTrue(e.getMessage().contains("table 0"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> MultiIndex.of(spec, n, subs, MemorySegment.ofArray(new byte[region.length - 1])));
  }

  /** The key by the bit definition of {@link Codes}, one bit at a time. */
  private static int keyOf(byte[] code, MultiIndex.Substring s) {
    int key = 0;
    for (int bit = s.from(); bit < s.end(); bit++) {
      key = (key << 1) | (Codes.bit(code, bit) ? 1 : 0);
    }
    return key;
  }
}
