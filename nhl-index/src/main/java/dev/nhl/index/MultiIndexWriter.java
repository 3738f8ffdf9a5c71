package dev.nhl.index;

import java.io.IOException;
import java.util.List;

/**
 * Writes the region of {@link MultiIndex multi-index tables} for codes given in ordinal order:
 * each code as a row, then per substring its bucket starts and ids (the layout {@link
 * MultiIndex#of} reads). The standalone index's builder and the Lucene doc values writer both
 * write their tables through it; {@link MultiIndex} only searches them.
 */
public final class MultiIndexWriter {

  private MultiIndexWriter() {}

  /**
   * Writes the region for {@code n} codes to {@code out}, sequentially: exactly {@link
   * MultiIndex#regionBytes} bytes. Memory stays within about {@code passBytes} whatever {@code n}: the ids
   * of a table are filled a window at a time, one pass over the codes per window.
   *
   * @throws IOException if reading the codes or writing fails
   */
  public static void write(CodeSpec spec, List<MultiIndex.Substring> substrings, int n, MultiIndex.CodeSource codes,
      MultiIndex.Sink out, int passBytes)
      throws IOException {
    MultiIndex.checkSubstrings(spec, substrings);
    int rb = MultiIndex.rowBytes(spec);
    int cb = spec.maxBytes();
    // rows, a buffer at a time
    int perBuf = Math.max(1, Math.min(n, passBytes / rb));
    byte[] buf = new byte[Math.max(64, perBuf * rb)];
    int[] filled = {0};
    codes.forEach((ord, bytes, offset) -> {
      System.arraycopy(bytes, offset, buf, filled[0] * rb, cb);
      java.util.Arrays.fill(buf, filled[0] * rb + cb, (filled[0] + 1) * rb, (byte) 0);
      if (++filled[0] == perBuf) {
        out.write(buf, 0, perBuf * rb);
        filled[0] = 0;
      }
    });
    out.write(buf, 0, filled[0] * rb);
    pad(out, (long) n * rb);
    for (MultiIndex.Substring s : substrings) {
      int buckets = 1 << s.width();
      int[] start = new int[buckets + 1];
      codes.forEach((ord, bytes, offset) -> start[MultiIndex.key(bytes, offset, s.from(), s.width()) + 1]++);
      for (int key = 1; key <= buckets; key++) {
        start[key] += start[key - 1];
      }
      writeInts(out, start, start.length);
      pad(out, 4L * start.length);
      int window = Math.max(1, passBytes / 4);
      int[] ids = new int[Math.min(n, window)];
      for (int from = 0; from < n; from += window) {
        int lo = from;
        int hi = (int) Math.min(n, (long) from + window);
        int[] next = start.clone();
        codes.forEach((ord, bytes, offset) -> {
          int pos = next[MultiIndex.key(bytes, offset, s.from(), s.width())]++;
          if (pos >= lo && pos < hi) {
            ids[pos - lo] = ord;
          }
        });
        writeInts(out, ids, hi - lo);
      }
      pad(out, 4L * n);
    }
  }

  private static void writeInts(MultiIndex.Sink out, int[] v, int count) throws IOException {
    byte[] b = new byte[Math.min(count, 1 << 16) * 4];
    for (int i = 0; i < count; ) {
      int c = Math.min(count - i, b.length / 4);
      for (int j = 0; j < c; j++) {
        int x = v[i + j];
        b[4 * j] = (byte) x;
        b[4 * j + 1] = (byte) (x >>> 8);
        b[4 * j + 2] = (byte) (x >>> 16);
        b[4 * j + 3] = (byte) (x >>> 24);
      }
      out.write(b, 0, 4 * c);
      i += c;
    }
  }

  private static void pad(MultiIndex.Sink out, long written) throws IOException {
    int p = (int) (ColumnLayout.align(written) - written);
    if (p > 0) {
      out.write(new byte[p], 0, p);
    }
  }
}
