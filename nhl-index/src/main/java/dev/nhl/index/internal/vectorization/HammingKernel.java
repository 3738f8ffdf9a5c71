package dev.nhl.index.internal.vectorization;

import java.lang.foreign.MemorySegment;

/**
 * Hamming distance kernels over one column plane: a run of fixed-width words, one per code, word
 * {@code j} at byte offset {@code j * wordBytes} of the plane, read little-endian. The query word
 * is read the same way from the query's bytes, so XOR and popcount see matching bits.
 *
 * <p>Distances are accumulated in {@code short}s: the longest code is 8192 bits, below {@link
 * Short#MAX_VALUE}.
 *
 * <p>Not part of the public API.
 */
public interface HammingKernel {

  /**
   * For {@code i in [0, count)}: {@code dist[i] (+)= popcount(word(from + i) ^ query)}, adding to
   * {@code dist} when {@code add} is set and overwriting it otherwise.
   *
   * @param wordBytes 1, 2, 4 or 8
   */
  void scan(MemorySegment plane, int wordBytes, long query, long from, int count, short[] dist, boolean add);

  /**
   * {@link #scan} then {@link #below} in one pass: the last plane of a stage, whose distances are
   * compared while they are still in registers.
   */
  int scanBelow(
      MemorySegment plane, int wordBytes, long query, long from, int count, short[] dist, boolean add, int bound, int[] out);

  /**
   * The distances over two planes of the same word size, overwriting {@code dist}, then {@link
   * #below}: a first stage made of two increments (16 + 16 bits) in one pass.
   */
  int scanPairBelow(
      MemorySegment first, long query1, MemorySegment second, long query2, int wordBytes,
      long from, int count, short[] dist, int bound, int[] out);

  /** For {@code i in [0, count)}: {@code dist[i] += popcount(word(ids[i]) ^ query)}. */
  void gather(MemorySegment plane, int wordBytes, long query, int[] ids, int count, short[] dist);

  /**
   * The Hamming distance between a code stored row-wise at {@code offset} of {@code rows}
   * (little-endian 8-byte words) and a query given as words read the same way: {@code
   * popcount(word_w ^ query[w])} summed over the first {@code fullWords} words, plus {@code
   * popcount((word ^ query) & tailMask)} of the next word when {@code tailMask} is not 0. The one
   * primitive every search uses to rank a single code.
   */
  int xorBitCount(MemorySegment rows, long offset, long[] query, int fullWords, long tailMask);

  /**
   * The Hamming distance over the bits {@code masks} selects, between a code stored row-wise at
   * {@code offset} of {@code rows} and a query, words read as in {@link #xorBitCount}: {@code
   * popcount((word_w ^ query[w]) & masks[w])} summed over the words whose mask is not 0. What a
   * multi-index verifies a candidate's substring with.
   */
  int maskedXorBitCount(MemorySegment rows, long offset, long[] query, long[] masks);

  /**
   * Writes to {@code out}, in increasing order, the positions {@code i in [0, count)} where {@code
   * dist[i] < bound}, and returns how many there are. {@code out} has room for {@code count}.
   */
  int below(short[] dist, int count, int bound, int[] out);
}
