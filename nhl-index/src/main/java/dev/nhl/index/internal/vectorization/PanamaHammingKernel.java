package dev.nhl.index.internal.vectorization;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernel. Codes are stored column-wise, so one vector holds the same word of many
 * codes: a 16-bit stage fills all lanes of a {@code ShortVector} with 16-bit codes, instead of
 * wasting a 64-bit popcount on each. Loaded only when {@code jdk.incubator.vector} is readable.
 */
final class PanamaHammingKernel implements HammingKernel {

  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
  // distances stay in shorts: narrow the int/long popcounts to a short vector of the same lane count
  private static final VectorSpecies<Short> S_OF_I =
      VectorSpecies.of(short.class, VectorShape.forBitSize(I.length() * Short.SIZE));
  private static final VectorSpecies<Short> S_OF_L =
      VectorSpecies.of(short.class, VectorShape.forBitSize(L.length() * Short.SIZE));

  PanamaHammingKernel() {}

  /** Widest vector in bits; the provider falls back to scalar below 256, where L2S has no shape. */
  static int vectorBitSize() {
    return L.vectorBitSize();
  }

  @Override
  public void scan(
      MemorySegment plane, int wordBytes, long query, long from, int count, short[] dist, boolean add) {
    int done =
        switch (wordBytes) {
          case 8 -> scan8(plane, query, from, count, dist, add);
          case 4 -> scan4(plane, (int) query, from, count, dist, add);
          case 2 -> scan2(plane, (short) query, from, count, dist, add);
          case 1 -> scan1(plane, (byte) query, from, count, dist, add);
          default -> throw new AssertionError("word size " + wordBytes);
        };
    long mask = wordBytes == 8 ? -1L : (1L << (wordBytes * 8)) - 1;
    for (int i = done; i < count; i++) {
      int c = Long.bitCount((ScalarHammingKernel.word(plane, wordBytes, from + i) ^ query) & mask);
      dist[i] = (short) (add ? dist[i] + c : c);
    }
  }

  // Each width has one loop that adds and one that overwrites: a vector assigned on two paths
  // merges at a phi, and C2 then boxes it on every iteration.

  private static int scan8(MemorySegment plane, long query, long from, int count, short[] dist, boolean add) {
    LongVector q = LongVector.broadcast(L, query);
    int bound = L.loopBound(count);
    if (add) {
      for (int i = 0; i < bound; i += L.length()) {
        ShortVector s = popcount8(plane, q, from + i);
        s.add(ShortVector.fromArray(S_OF_L, dist, i)).intoArray(dist, i);
      }
    } else {
      for (int i = 0; i < bound; i += L.length()) {
        popcount8(plane, q, from + i).intoArray(dist, i);
      }
    }
    return bound;
  }

  private static ShortVector popcount8(MemorySegment plane, LongVector q, long code) {
    LongVector c =
        LongVector.fromMemorySegment(L, plane, code << 3, LE)
            .lanewise(VectorOperators.XOR, q)
            .lanewise(VectorOperators.BIT_COUNT);
    return (ShortVector) c.convertShape(VectorOperators.L2S, S_OF_L, 0);
  }

  private static int scan4(MemorySegment plane, int query, long from, int count, short[] dist, boolean add) {
    IntVector q = IntVector.broadcast(I, query);
    int bound = I.loopBound(count);
    if (add) {
      for (int i = 0; i < bound; i += I.length()) {
        ShortVector s = popcount4(plane, q, from + i);
        s.add(ShortVector.fromArray(S_OF_I, dist, i)).intoArray(dist, i);
      }
    } else {
      for (int i = 0; i < bound; i += I.length()) {
        popcount4(plane, q, from + i).intoArray(dist, i);
      }
    }
    return bound;
  }

  private static ShortVector popcount4(MemorySegment plane, IntVector q, long code) {
    IntVector c =
        IntVector.fromMemorySegment(I, plane, code << 2, LE)
            .lanewise(VectorOperators.XOR, q)
            .lanewise(VectorOperators.BIT_COUNT);
    return (ShortVector) c.convertShape(VectorOperators.I2S, S_OF_I, 0);
  }

  private static int scan2(MemorySegment plane, short query, long from, int count, short[] dist, boolean add) {
    ShortVector q = ShortVector.broadcast(S, query);
    int bound = S.loopBound(count);
    if (add) {
      for (int i = 0; i < bound; i += S.length()) {
        ShortVector s = popcount2(plane, q, from + i);
        s.add(ShortVector.fromArray(S, dist, i)).intoArray(dist, i);
      }
    } else {
      for (int i = 0; i < bound; i += S.length()) {
        popcount2(plane, q, from + i).intoArray(dist, i);
      }
    }
    return bound;
  }

  private static ShortVector popcount2(MemorySegment plane, ShortVector q, long code) {
    return ShortVector.fromMemorySegment(S, plane, code << 1, LE)
        .lanewise(VectorOperators.XOR, q)
        .lanewise(VectorOperators.BIT_COUNT);
  }

  private static int scan1(MemorySegment plane, byte query, long from, int count, short[] dist, boolean add) {
    ByteVector q = ByteVector.broadcast(B, query);
    int bound = B.loopBound(count);
    int half = S.length();
    if (add) {
      for (int i = 0; i < bound; i += B.length()) {
        ByteVector c = popcount1(plane, q, from + i);
        // a byte vector widens into two short vectors of the preferred shape
        ((ShortVector) c.convertShape(VectorOperators.B2S, S, 0))
            .add(ShortVector.fromArray(S, dist, i))
            .intoArray(dist, i);
        ((ShortVector) c.convertShape(VectorOperators.B2S, S, 1))
            .add(ShortVector.fromArray(S, dist, i + half))
            .intoArray(dist, i + half);
      }
    } else {
      for (int i = 0; i < bound; i += B.length()) {
        ByteVector c = popcount1(plane, q, from + i);
        ((ShortVector) c.convertShape(VectorOperators.B2S, S, 0)).intoArray(dist, i);
        ((ShortVector) c.convertShape(VectorOperators.B2S, S, 1)).intoArray(dist, i + half);
      }
    }
    return bound;
  }

  private static ByteVector popcount1(MemorySegment plane, ByteVector q, long code) {
    return ByteVector.fromMemorySegment(B, plane, code, LE)
        .lanewise(VectorOperators.XOR, q)
        .lanewise(VectorOperators.BIT_COUNT);
  }

  @Override
  public int scanBelow(
      MemorySegment plane, int wordBytes, long query, long from, int count, short[] dist, boolean add, int bound, int[] out) {
    if (!add || wordBytes == 1) {
      // a first plane or a byte plane: rarely the last of a stage, not worth a fused loop
      scan(plane, wordBytes, query, from, count, dist, add);
      return below(dist, count, bound, out);
    }
    // one small method per width: a VectorMask that crosses a call that is not inlined is boxed
    int done;
    int n;
    switch (wordBytes) {
      case 8 -> {
        done = L.loopBound(count);
        n = scanBelow8(plane, query, from, done, dist, bound, out);
      }
      case 4 -> {
        done = I.loopBound(count);
        n = scanBelow4(plane, (int) query, from, done, dist, bound, out);
      }
      case 2 -> {
        done = S.loopBound(count);
        n = scanBelow2(plane, (short) query, from, done, dist, bound, out);
      }
      default -> throw new AssertionError("word size " + wordBytes);
    }
    long mask = wordBytes == 8 ? -1L : (1L << (wordBytes * 8)) - 1;
    for (int i = done; i < count; i++) {
      dist[i] += (short) Long.bitCount((ScalarHammingKernel.word(plane, wordBytes, from + i) ^ query) & mask);
      if (dist[i] < bound) {
        out[n++] = i;
      }
    }
    return n;
  }

  private static int scanBelow8(MemorySegment plane, long query, long from, int done, short[] dist, int bound, int[] out) {
    LongVector q = LongVector.broadcast(L, query);
    ShortVector b = ShortVector.broadcast(S_OF_L, (short) bound);
    int n = 0;
    for (int i = 0; i < done; i += L.length()) {
      ShortVector d = popcount8(plane, q, from + i).add(ShortVector.fromArray(S_OF_L, dist, i));
      d.intoArray(dist, i);
      VectorMask<Short> m = d.compare(VectorOperators.LT, b);
      if (m.anyTrue()) {
        n = emit(m.toLong(), i, out, n);
      }
    }
    return n;
  }

  private static int scanBelow4(MemorySegment plane, int query, long from, int done, short[] dist, int bound, int[] out) {
    IntVector q = IntVector.broadcast(I, query);
    ShortVector b = ShortVector.broadcast(S_OF_I, (short) bound);
    int n = 0;
    for (int i = 0; i < done; i += I.length()) {
      ShortVector d = popcount4(plane, q, from + i).add(ShortVector.fromArray(S_OF_I, dist, i));
      d.intoArray(dist, i);
      VectorMask<Short> m = d.compare(VectorOperators.LT, b);
      if (m.anyTrue()) {
        n = emit(m.toLong(), i, out, n);
      }
    }
    return n;
  }

  private static int scanBelow2(MemorySegment plane, short query, long from, int done, short[] dist, int bound, int[] out) {
    ShortVector q = ShortVector.broadcast(S, query);
    ShortVector b = ShortVector.broadcast(S, (short) bound);
    int n = 0;
    for (int i = 0; i < done; i += S.length()) {
      ShortVector d = popcount2(plane, q, from + i).add(ShortVector.fromArray(S, dist, i));
      d.intoArray(dist, i);
      VectorMask<Short> m = d.compare(VectorOperators.LT, b);
      if (m.anyTrue()) {
        n = emit(m.toLong(), i, out, n);
      }
    }
    return n;
  }

  @Override
  public int scanPairBelow(
      MemorySegment first, long query1, MemorySegment second, long query2, int wordBytes,
      long from, int count, short[] dist, int bound, int[] out) {
    if (wordBytes != 2) {
      scan(second, wordBytes, query2, from, count, dist, false);
      return scanBelow(first, wordBytes, query1, from, count, dist, true, bound, out);
    }
    int done = S.loopBound(count);
    int n = scanPairBelow2(first, (short) query1, second, (short) query2, from, done, dist, bound, out);
    for (int i = done; i < count; i++) {
      dist[i] = (short) (Long.bitCount((ScalarHammingKernel.word(first, 2, from + i) ^ query1) & 0xFFFF)
          + Long.bitCount((ScalarHammingKernel.word(second, 2, from + i) ^ query2) & 0xFFFF));
      if (dist[i] < bound) {
        out[n++] = i;
      }
    }
    return n;
  }

  private static int scanPairBelow2(
      MemorySegment first, short query1, MemorySegment second, short query2, long from, int done,
      short[] dist, int bound, int[] out) {
    ShortVector q1 = ShortVector.broadcast(S, query1);
    ShortVector q2 = ShortVector.broadcast(S, query2);
    ShortVector b = ShortVector.broadcast(S, (short) bound);
    int n = 0;
    for (int i = 0; i < done; i += S.length()) {
      ShortVector d = popcount2(first, q1, from + i).add(popcount2(second, q2, from + i));
      d.intoArray(dist, i);
      VectorMask<Short> m = d.compare(VectorOperators.LT, b);
      if (m.anyTrue()) {
        n = emit(m.toLong(), i, out, n);
      }
    }
    return n;
  }

  /** Appends the positions of the set bits of {@code bits}, offset by {@code base}. */
  private static int emit(long bits, int base, int[] out, int n) {
    while (bits != 0) {
      out[n++] = base + Long.numberOfTrailingZeros(bits);
      bits &= bits - 1;
    }
    return n;
  }

  @Override
  public void gather(MemorySegment plane, int wordBytes, long query, int[] ids, int count, short[] dist) {
    ScalarHammingKernel.gatherScalar(plane, wordBytes, query, ids, count, dist);
  }

  @Override
  public int below(short[] dist, int count, int bound, int[] out) {
    ShortVector b = ShortVector.broadcast(S, (short) bound);
    int loop = S.loopBound(count);
    int n = 0;
    int i = 0;
    for (; i < loop; i += S.length()) {
      VectorMask<Short> m = ShortVector.fromArray(S, dist, i).compare(VectorOperators.LT, b);
      // most vectors have no distance under the bound: one test each, bits only on a hit
      if (m.anyTrue()) {
        n = emit(m.toLong(), i, out, n);
      }
    }
    for (; i < count; i++) {
      if (dist[i] < bound) {
        out[n++] = i;
      }
    }
    return n;
  }

  @Override
  public int xorBitCount(MemorySegment rows, long offset, long[] query, int fullWords, long tailMask) {
    return ScalarHammingKernel.rowDistance(rows, offset, query, fullWords, tailMask);
  }

  @Override
  public int maskedXorBitCount(MemorySegment rows, long offset, long[] query, long[] masks) {
    return ScalarHammingKernel.maskedRowDistance(rows, offset, query, masks);
  }
}
