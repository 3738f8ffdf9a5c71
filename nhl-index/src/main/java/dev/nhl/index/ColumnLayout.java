package dev.nhl.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Where each bit of each code lives in columnar storage. For a spec {@code L1 < ... < Ln} the
 * codes are cut into increments {@code [L(s-1), Ls)}; increment {@code s} of all codes forms one
 * column, and the column is split into planes of 8-, 4-, 2- and 1-byte words (widest first), so
 * that every plane is a dense array of machine words, one per code. A plane of {@code n} codes
 * takes {@code n * wordBytes} bytes padded to a multiple of {@value #ALIGN}; planes follow each
 * other in increment order.
 *
 * <p>A 16/32/64/128 spec gives four planes: 2-byte words (bits 0-15), 2-byte (16-31), 4-byte
 * (32-63), 8-byte (64-127). A search that stops at 32 bits never touches the last two.
 *
 * <p>Public for storage integrations (the Lucene doc values format lays its columns out the same
 * way); applications do not need it.
 */
public final class ColumnLayout {

  /** Alignment of every plane, in bytes: one cache line, and the widest vector. */
  public static final int ALIGN = 64;

  static final ValueLayout.OfLong LE_LONG =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  final CodeSpec spec;
  /** Per plane: first byte of the code it holds. */
  final int[] planeCodeOffset;
  /** Per plane: word size, 1, 2, 4 or 8. */
  final int[] planeWordBytes;
  /** Planes of stage s are {@code [stagePlaneEnd[s-1], stagePlaneEnd[s])}. */
  final int[] stagePlaneEnd;

  /** The layout of codes of {@code spec}. */
  public static ColumnLayout of(CodeSpec spec) {
    return new ColumnLayout(spec);
  }

  ColumnLayout(CodeSpec spec) {
    this.spec = spec;
    int[] offsets = new int[spec.maxBytes()];
    int[] words = new int[spec.maxBytes()];
    stagePlaneEnd = new int[spec.stages()];
    int planes = 0;
    int start = 0;
    for (int s = 0; s < spec.stages(); s++) {
      int end = spec.length(s) >>> 3;
      int at = start;
      for (int w = 8; w >= 1; w >>>= 1) {
        while (end - at >= w) {
          offsets[planes] = at;
          words[planes] = w;
          planes++;
          at += w;
        }
      }
      stagePlaneEnd[s] = planes;
      start = end;
    }
    planeCodeOffset = java.util.Arrays.copyOf(offsets, planes);
    planeWordBytes = java.util.Arrays.copyOf(words, planes);
  }

  /** The spec laid out. */
  public CodeSpec spec() {
    return spec;
  }

  /** Number of planes. */
  public int planes() {
    return planeWordBytes.length;
  }

  /** Word size of plane {@code p} in bytes: 1, 2, 4 or 8. */
  public int wordBytes(int p) {
    return planeWordBytes[p];
  }

  /** The first byte of a code that plane {@code p} holds. */
  public int codeOffset(int p) {
    return planeCodeOffset[p];
  }

  /** Number of planes holding the first {@code spec.length(stage)} bits. */
  public int planesThrough(int stage) {
    return stagePlaneEnd[stage];
  }

  /** {@code bytes} rounded up to a multiple of {@value #ALIGN}. */
  public static long align(long bytes) {
    return (bytes + ALIGN - 1) & -ALIGN;
  }

  /** Padded bytes of one plane of {@code n} codes. */
  public long planeBytes(int plane, long n) {
    return align(n * planeWordBytes[plane]);
  }

  /** Byte offset of a plane from the start of the data region. */
  public long planeOffset(int plane, long n) {
    long off = 0;
    for (int p = 0; p < plane; p++) {
      off += planeBytes(p, n);
    }
    return off;
  }

  /** Bytes of all planes of {@code n} codes. */
  public long dataBytes(long n) {
    return planeOffset(planes(), n);
  }

  /** Bytes of one code read by a stage scan through {@code stage}. */
  int bytesThrough(int stage) {
    return spec.length(stage) >>> 3;
  }

  /** The query's word for a plane, zero-extended, in the kernels' byte order. */
  long queryWord(byte[] query, int plane) {
    int off = planeCodeOffset[plane];
    long w = 0;
    for (int b = 0, n = planeWordBytes[plane]; b < n; b++) {
      w |= (query[off + b] & 0xFFL) << (8 * b);
    }
    return w;
  }

  /**
   * Bytes of the retired prefix table of the formats that had one (the index file's version 2,
   * {@code NhlDocValuesFormat}'s version 1): {@code 2^keyBits + 1} bucket starts, padded, then
   * each code with its id. Such tables are no longer used, but a file that has one is still
   * checked against this size when it is read.
   */
  public static long legacyPrefixTableBytes(int keyBits, long n, int codeBytes) {
    return align(4L * ((1L << keyBits) + 1)) + n * (codeBytes + 4L);
  }

  /** Reads code {@code id} back from the planes. */
  byte[] readCode(MemorySegment data, long n, long id) {
    byte[] code = new byte[spec.maxBytes()];
    for (int p = 0; p < planes(); p++) {
      int w = planeWordBytes[p];
      MemorySegment.copy(
          data, ValueLayout.JAVA_BYTE, planeOffset(p, n) + id * w, code, planeCodeOffset[p], w);
    }
    return code;
  }
}
