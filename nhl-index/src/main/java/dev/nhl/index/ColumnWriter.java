package dev.nhl.index;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Writes codes given in rows as the columns {@link ColumnLayout} describes: plane after plane,
 * each a dense array of one word a code padded to {@value ColumnLayout#ALIGN} bytes. The one
 * row-to-column conversion of nhl: the standalone index's builder and the Lucene doc values
 * writer both write through it. The rows are read once per plane, so memory stays bounded by
 * the caller's buffers whatever the number of codes.
 */
public final class ColumnWriter {

  private static final byte[] PAD = new byte[ColumnLayout.ALIGN];

  private ColumnWriter() {}

  /**
   * Writes the columns of {@code n} codes to {@code out}, sequentially: exactly {@link
   * ColumnLayout#dataBytes} bytes.
   *
   * @param codes the codes, each the spec's longest length, read once per plane
   * @throws IOException as the source or the sink throws it
   */
  public static void write(ColumnLayout layout, int n, MultiIndex.CodeSource codes, MultiIndex.Sink out)
      throws IOException {
    for (int p = 0; p < layout.planes(); p++) {
      int w = layout.wordBytes(p);
      int off = layout.codeOffset(p);
      long[] written = {0};
      codes.forEach((ord, bytes, offset) -> {
        if (ord != written[0]) {
          throw new IllegalStateException("codes must come in ordinal order: expected " + written[0] + ", got " + ord);
        }
        out.write(bytes, offset + off, w);
        written[0]++;
      });
      if (written[0] != n) {
        throw new IllegalStateException("expected " + n + " codes, the source gave " + written[0]);
      }
      long pad = layout.planeBytes(p, n) - (long) n * w;
      out.write(PAD, 0, (int) pad);
    }
  }

  /**
   * The columns of {@code n} codes in new memory, off the Java heap and aligned (the collector
   * frees it when unreachable): what an in-memory segment searches.
   */
  static MemorySegment inMemory(ColumnLayout layout, int n, MultiIndex.CodeSource codes) {
    long bytes = layout.dataBytes(n);
    // off-heap and 64-byte aligned: C2 does not intrinsify Vector API loads from heap segments
    // reached through a MemorySegment parameter, which made the SIMD kernels 20x slower
    MemorySegment data = Arena.ofAuto().allocate(Math.max(1, bytes), ColumnLayout.ALIGN).asSlice(0, bytes);
    return into(data, layout, n, codes);
  }

  /** Writes the columns of {@code n} codes at the start of {@code data}; returns {@code data}. */
  static MemorySegment into(MemorySegment data, ColumnLayout layout, int n, MultiIndex.CodeSource codes) {
    long[] at = {0};
    try {
      write(layout, n, codes, (b, off, len) -> {
        MemorySegment.copy(b, off, data, ValueLayout.JAVA_BYTE, at[0], len);
        at[0] += len;
      });
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // memory sinks and array sources do not throw
    }
    return data;
  }
}
