package dev.nhl.index.internal.vectorization;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The portable kernel: one code at a time with {@link Long#bitCount}. */
final class ScalarHammingKernel implements HammingKernel {

  static final ValueLayout.OfLong LONG =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfInt INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfShort SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  ScalarHammingKernel() {}

  /** Reads word {@code j} of a plane, zero-extended. */
  static long word(MemorySegment plane, int wordBytes, long j) {
    long off = j * wordBytes;
    return switch (wordBytes) {
      case 8 -> plane.get(LONG, off);
      case 4 -> plane.get(INT, off) & 0xFFFF_FFFFL;
      case 2 -> plane.get(SHORT, off) & 0xFFFFL;
      case 1 -> plane.get(ValueLayout.JAVA_BYTE, off) & 0xFFL;
      default -> throw new AssertionError("word size " + wordBytes);
    };
  }

  @Override
  public void scan(
      MemorySegment plane, int wordBytes, long query, long from, int count, short[] dist, boolean add) {
    // one loop per word size, so that the loop body has no switch in it
    switch (wordBytes) {
      case 8 -> {
        for (int i = 0; i < count; i++) {
          int c = Long.bitCount(plane.get(LONG, (from + i) << 3) ^ query);
          dist[i] = (short) (add ? dist[i] + c : c);
        }
      }
      case 4 -> {
        int q = (int) query;
        for (int i = 0; i < count; i++) {
          int c = Integer.bitCount(plane.get(INT, (from + i) << 2) ^ q);
          dist[i] = (short) (add ? dist[i] + c : c);
        }
      }
      case 2 -> {
        int q = (int) query;
        for (int i = 0; i < count; i++) {
          int c = Integer.bitCount((plane.get(SHORT, (from + i) << 1) ^ q) & 0xFFFF);
          dist[i] = (short) (add ? dist[i] + c : c);
        }
      }
      case 1 -> {
        int q = (int) query;
        for (int i = 0; i < count; i++) {
          int c = Integer.bitCount((plane.get(ValueLayout.JAVA_BYTE, from + i) ^ q) & 0xFF);
          dist[i] = (short) (add ? dist[i] + c : c);
        }
      }
      default -> throw new AssertionError("word size " + wordBytes);
    }
  }

  @Override
  public int scanBelow(
      MemorySegment plane, int wordBytes, long query, long from, int count, short[] dist, boolean add, int bound, int[] out) {
    scan(plane, wordBytes, query, from, count, dist, add);
    return below(dist, count, bound, out);
  }

  @Override
  public int scanPairBelow(
      MemorySegment first, long query1, MemorySegment second, long query2, int wordBytes,
      long from, int count, short[] dist, int bound, int[] out) {
    scan(second, wordBytes, query2, from, count, dist, false);
    return scanBelow(first, wordBytes, query1, from, count, dist, true, bound, out);
  }

  @Override
  public void gather(MemorySegment plane, int wordBytes, long query, int[] ids, int count, short[] dist) {
    gatherScalar(plane, wordBytes, query, ids, count, dist);
  }

  /** Random access has no lanes to fill: both kernels gather one code at a time. */
  static void gatherScalar(
      MemorySegment plane, int wordBytes, long query, int[] ids, int count, short[] dist) {
    for (int i = 0; i < count; i++) {
      dist[i] += (short) Long.bitCount(word(plane, wordBytes, ids[i]) ^ query);
    }
  }

  @Override
  public int below(short[] dist, int count, int bound, int[] out) {
    int n = 0;
    for (int i = 0; i < count; i++) {
      if (dist[i] < bound) {
        out[n++] = i;
      }
    }
    return n;
  }

  @Override
  public int xorBitCount(MemorySegment rows, long offset, long[] query, int fullWords, long tailMask) {
    return rowDistance(rows, offset, query, fullWords, tailMask);
  }

  @Override
  public int maskedXorBitCount(MemorySegment rows, long offset, long[] query, long[] masks) {
    return maskedRowDistance(rows, offset, query, masks);
  }

  /** The scalar masked row distance: a substring spans a word or two, too few for vectors. */
  static int maskedRowDistance(MemorySegment rows, long offset, long[] query, long[] masks) {
    int d = 0;
    for (int w = 0; w < masks.length; w++) {
      if (masks[w] != 0) {
        d += Long.bitCount((rows.get(LONG, offset + 8L * w) ^ query[w]) & masks[w]);
      }
    }
    return d;
  }

  /** The scalar row distance; a popcount of two words needs no vectors, so both kernels use it. */
  static int rowDistance(MemorySegment rows, long offset, long[] query, int fullWords, long tailMask) {
    if (fullWords == 2 && tailMask == 0) {
      // 128 bits, the common final length: two loads C2 keeps in registers
      return Long.bitCount(rows.get(LONG, offset) ^ query[0]) + Long.bitCount(rows.get(LONG, offset + 8) ^ query[1]);
    }
    int d = 0;
    for (int w = 0; w < fullWords; w++) {
      d += Long.bitCount(rows.get(LONG, offset + 8L * w) ^ query[w]);
    }
    if (tailMask != 0) {
      d += Long.bitCount((rows.get(LONG, offset + 8L * fullWords) ^ query[fullWords]) & tailMask);
    }
    return d;
  }
}
