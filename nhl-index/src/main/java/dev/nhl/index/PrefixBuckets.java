package dev.nhl.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Codes bucketed by their first {@code b} bits (the <em>key</em>, {@code b <= 16}): a hash table on
 * the shortest prefix, searched by probing the buckets whose keys are nearest to the query's key
 * in Hamming distance, then ranking the codes found at the final length. The cost of a search
 * grows with the number of candidates asked for, not with the number of codes, which makes it
 * the first stage of choice for collections of millions: it reads a few megabytes where a scan of
 * even a 32-bit prefix reads four bytes a code.
 *
 * <p>It is approximate: a code whose key is farther from the query's than every probed bucket is
 * not seen, however close its full code. Probing at least as many candidates as there are codes
 * returns exactly what an exact search returns.
 *
 * <h2>Layout</h2>
 *
 * Little-endian, from the first byte of the region:
 *
 * <pre>
 * bucket starts   int32 x (2^b + 1): start[key] = records with a smaller key; start[2^b] = count
 * padding         to a multiple of 64 bytes
 * records         count x (code bytes, then id int32), ordered by key, then as they were added
 * </pre>
 *
 * The key of a code is its first {@code b} bits, most significant first: the high bits of its
 * first two bytes.
 *
 * <p>Public for storage integrations (the Lucene doc values format writes the region beside its
 * columns); applications do not need it. Thread-safe; valid while the memory is.
 */
public final class PrefixBuckets {

  /** The most key bits: a table of 2^16 buckets takes 256 KiB of starts. */
  public static final int MAX_KEY_BITS = 16;

  private static final ValueLayout.OfInt LE_INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong LE_LONG = ColumnLayout.LE_LONG;

  private final int keyBits;
  private final int count;
  private final int codeBytes;
  private final MemorySegment starts;
  private final MemorySegment records;

  private PrefixBuckets(int keyBits, int count, int codeBytes, MemorySegment data) {
    this.keyBits = keyBits;
    this.count = count;
    this.codeBytes = codeBytes;
    this.starts = data.asSlice(0, 4L * ((1 << keyBits) + 1));
    this.records = data.asSlice(recordsOffset(keyBits), (long) count * recordBytes(codeBytes));
  }

  /**
   * The key bits for {@code count} codes of {@code codeBytes} bytes: about 16 codes a bucket,
   * between 1 and {@link #MAX_KEY_BITS}, and no more than the code has.
   */
  public static int keyBits(long count, int codeBytes) {
    int log2 = 63 - Long.numberOfLeadingZeros(Math.max(1, count));
    return Math.max(1, Math.min(Math.min(MAX_KEY_BITS, 8 * codeBytes), log2 - 4));
  }

  /** Bytes of one record: the code, then its id. */
  public static int recordBytes(int codeBytes) {
    return codeBytes + 4;
  }

  /** Offset of the first record from the start of the region. */
  public static long recordsOffset(int keyBits) {
    return ColumnLayout.align(4L * ((1 << keyBits) + 1));
  }

  /** Bytes of the region for {@code count} codes. */
  public static long regionBytes(int keyBits, long count, int codeBytes) {
    return recordsOffset(keyBits) + count * recordBytes(codeBytes);
  }

  /** The key of the code at {@code bytes[offset]}. */
  public static int key(byte[] bytes, int offset, int codeBytes, int keyBits) {
    int hi = (bytes[offset] & 0xFF) << 8;
    int lo = codeBytes > 1 ? bytes[offset + 1] & 0xFF : 0;
    return (hi | lo) >>> (16 - keyBits);
  }

  /**
   * The buckets of {@code count} codes of {@code codeBytes} bytes in {@code data}, laid out as
   * the class documentation says. The bucket starts are checked here, the records are not.
   *
   * @throws IllegalArgumentException if the parameters are out of range, {@code data} is shorter
   *     than {@link #regionBytes}, or the bucket starts are not a non-decreasing run from 0 to
   *     {@code count}
   */
  public static PrefixBuckets of(int keyBits, int count, int codeBytes, MemorySegment data) {
    if (keyBits < 1 || keyBits > MAX_KEY_BITS || keyBits > 8 * codeBytes) {
      throw new IllegalArgumentException(
          "key bits must be in [1, " + Math.min(MAX_KEY_BITS, 8 * codeBytes) + "], got " + keyBits);
    }
    if (count < 0 || codeBytes <= 0) {
      throw new IllegalArgumentException("invalid count " + count + " or code bytes " + codeBytes);
    }
    long need = regionBytes(keyBits, count, codeBytes);
    if (data.byteSize() < need) {
      throw new IllegalArgumentException(
          count + " codes in " + (1 << keyBits) + " buckets take " + need + " bytes, got " + data.byteSize());
    }
    int prev = data.get(LE_INT, 0);
    if (prev != 0) {
      throw new IllegalArgumentException("the first bucket starts at " + prev + ", not 0");
    }
    for (int key = 1; key <= 1 << keyBits; key++) {
      int s = data.get(LE_INT, 4L * key);
      if (s < prev || s > count) {
        throw new IllegalArgumentException(
            "bucket " + key + " starts at " + s + " after " + prev + " of " + count + " records");
      }
      prev = s;
    }
    if (prev != count) {
      throw new IllegalArgumentException("the buckets end at " + prev + ", not at the count " + count);
    }
    return new PrefixBuckets(keyBits, count, codeBytes, data);
  }

  /**
   * Lays out codes and their ids in a new heap segment: for tests and small in-memory tables.
   *
   * @param codes codes of {@code codeBytes} bytes each, all of one length
   */
  public static MemorySegment build(byte[][] codes, int[] ids, int keyBits) {
    if (codes.length != ids.length || codes.length == 0) {
      throw new IllegalArgumentException(
          "need as many ids as codes, and at least one: " + codes.length + " codes, " + ids.length + " ids");
    }
    int codeBytes = codes[0].length;
    for (byte[] c : codes) {
      if (c.length != codeBytes) {
        throw new IllegalArgumentException("codes differ in length: " + codeBytes + " and " + c.length);
      }
    }
    long bytes = regionBytes(keyBits, codes.length, codeBytes);
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          codes.length + " codes take " + bytes + " bytes, more than a heap array holds; NestedCodeIndex.Builder lays large tables out off-heap");
    }
    MemorySegment out = MemorySegment.ofArray(new byte[(int) bytes]);
    layOut(out, keyBits, codes.length, codeBytes, i -> codes[i], i -> 0, i -> ids[i]);
    return out;
  }

  /**
   * Writes the region for codes {@code 0 .. count-1} into {@code out}: code {@code i} is the
   * {@code codeBytes} bytes of {@code array(i)} from {@code offset(i)}, stored with {@code id(i)}.
   */
  static void layOut(MemorySegment out, int keyBits, int count, int codeBytes,
      java.util.function.IntFunction<byte[]> array, java.util.function.IntUnaryOperator offset,
      java.util.function.IntUnaryOperator id) {
    int buckets = 1 << keyBits;
    int[] start = new int[buckets + 1];
    for (int i = 0; i < count; i++) {
      start[key(array.apply(i), offset.applyAsInt(i), codeBytes, keyBits) + 1]++;
    }
    for (int i = 1; i <= buckets; i++) {
      start[i] += start[i - 1];
    }
    for (int i = 0; i <= buckets; i++) {
      out.set(LE_INT, 4L * i, start[i]);
    }
    int[] next = start;
    long base = recordsOffset(keyBits);
    int rb = recordBytes(codeBytes);
    for (int i = 0; i < count; i++) {
      byte[] a = array.apply(i);
      int off = offset.applyAsInt(i);
      long at = base + (long) next[key(a, off, codeBytes, keyBits)]++ * rb;
      MemorySegment.copy(a, off, out, ValueLayout.JAVA_BYTE, at, codeBytes);
      out.set(LE_INT, at + codeBytes, id.applyAsInt(i));
    }
  }

  /**
   * The candidates a default search probes among {@code n} codes for {@code k} hits: {@code
   * max(n / 200, 500 k)}. On the clustered codes of the benchmarks that finds the exact top 10 at
   * recall 0.99 or more for one and ten million codes.
   */
  public static long defaultCandidates(long n, int k) {
    return Math.max(n / 200, 500L * k);
  }

  /**
   * How many candidates a search of {@code k} hits should probe, or 0 when a scan of the columns
   * serves it better.
   *
   * <ul>
   *   <li>Filters and deletions that leave less than a quarter of the codes: 0, since the probe
   *       would rank four codes or more for each one it may return.
   *   <li>Otherwise {@code candidates} (or, when it is 0, {@link #defaultCandidates}), divided by
   *       the share of codes accepted, so that about as many accepted codes are ranked.
   *   <li>For the default, 0 again when that is an eighth of the codes or more (a large {@code
   *       k}): visiting that many buckets, each a random read, costs more than a scan.
   * </ul>
   *
   * @param candidates asked for, or 0 for the default
   * @param accepted how many codes the filter and deletions leave, an estimate
   */
  public long probeSize(long candidates, int k, long accepted) {
    double share = count == 0 ? 0 : Math.min(1.0, accepted / (double) count);
    if (share < 0.25) {
      return 0;
    }
    long want = (long) Math.ceil((candidates > 0 ? candidates : defaultCandidates(count, k)) / share);
    return candidates > 0 || want < count / 8 ? want : 0;
  }

  /** Key bits. */
  public int keyBits() {
    return keyBits;
  }

  /** Number of codes. */
  public int count() {
    return count;
  }

  /** Bytes of each code. */
  public int codeBytes() {
    return codeBytes;
  }

  /**
   * The {@code k} accepted codes nearest to {@code query} at {@code length} bits among the
   * candidates of the probed buckets, closest first, ties by increasing id.
   *
   * <p>Buckets are probed by increasing Hamming distance of their key to the query's key, a whole
   * distance at a time (every bucket at distance 0, then every one at distance 1, ...), until at
   * least {@code minCandidates} codes were ranked and at least {@code k} of them accepted, or every
   * bucket was probed. The stage statistics report the candidates ranked and the bytes read.
   *
   * @param query at least {@code length / 8} bytes
   * @param length bits compared, a positive multiple of 8 of at most the code's length
   * @param accept which ids may be returned; null: all
   * @throws IllegalArgumentException if a parameter is out of range
   */
  public Hits search(byte[] query, int length, int k, long minCandidates, IntPredicate accept) {
    if (length <= 0 || length % 8 != 0 || length > 8 * codeBytes) {
      throw new IllegalArgumentException(
          "length must be a positive multiple of 8 of at most " + 8 * codeBytes + " bits, got " + length);
    }
    int queryBytes = Math.max(length / 8, (keyBits + 7) / 8);
    if (query == null || query.length < queryBytes) {
      throw new IllegalArgumentException(
          "query must have at least " + queryBytes + " bytes, got " + (query == null ? "null" : query.length));
    }
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive, got " + k);
    }
    long t0 = System.nanoTime();
    int words = length / 64;
    long[] q = new long[words];
    for (int w = 0; w < words; w++) {
      q[w] = wordOf(query, 8 * w);
    }
    int tail = length / 8 - 8 * words;
    long qTail = tail == 0 ? 0 : wordOf(query, 8 * words) & tailMask(tail);
    int qKey = key(query, 0, query.length, keyBits);

    Heap heap = new Heap(k);
    long ranked = 0;
    int rb = recordBytes(codeBytes);
    int buckets = 1 << keyBits;
    for (int r = 0; r <= keyBits; r++) {
      for (int mask = (1 << r) - 1; mask < buckets; mask = nextMask(mask)) {
        int key = qKey ^ mask;
        int from = starts.get(LE_INT, 4L * key);
        int to = starts.get(LE_INT, 4L * key + 4);
        rank(from, to, q, words, tail, qTail, accept, heap);
        ranked += to - from;
      }
      if (ranked >= minCandidates && heap.full()) {
        break;
      }
    }
    Hits top = heap.ranked(List.of());
    List<Hits.StageStats> stats = new ArrayList<>(1);
    stats.add(new Hits.StageStats(length, ranked, top.size(), System.nanoTime() - t0, ranked * rb));
    return new Hits(top.ids(), top.distances(), stats);
  }

  /** Ranks records {@code [from, to)} and offers the accepted ones that could enter the heap. */
  private void rank(int from, int to, long[] q, int words, int tail, long qTail, IntPredicate accept, Heap heap) {
    if (tail == 0 && words == 2) {
      rank128(from, to, q[0], q[1], accept, heap);
      return;
    }
    MemorySegment recs = records;
    int rb = recordBytes(codeBytes);
    int worst = heap.worst();
    for (int i = from; i < to; i++) {
      long at = (long) i * rb;
      int d = 0;
      for (int w = 0; w < words; w++) {
        d += Long.bitCount(recs.get(LE_LONG, at + 8L * w) ^ q[w]);
      }
      if (tail != 0) {
        d += Long.bitCount(tailWord(recs, at + 8L * words, tail) ^ qTail);
      }
      if (d <= worst) {
        worst = offer(recs, at, d, accept, heap, worst);
      }
    }
  }

  /**
   * {@link #rank} at 128 bits, the common final length, as one flat loop: C2 compiles an inner
   * loop over the words into code several times slower than these two loads.
   */
  private void rank128(int from, int to, long q0, long q1, IntPredicate accept, Heap heap) {
    MemorySegment recs = records; // a local: its bounds stay in registers across the loop
    int rb = recordBytes(codeBytes);
    int worst = heap.worst();
    for (int i = from; i < to; i++) {
      long at = (long) i * rb;
      int d = Long.bitCount(recs.get(LE_LONG, at) ^ q0) + Long.bitCount(recs.get(LE_LONG, at + 8) ^ q1);
      if (d <= worst) {
        worst = offer(recs, at, d, accept, heap, worst);
      }
    }
  }

  /** Offers the record at {@code at} if accepted; returns the heap's new worst distance. */
  private int offer(MemorySegment recs, long at, int d, IntPredicate accept, Heap heap, int worst) {
    int id = recs.get(LE_INT, at + codeBytes);
    if (accept == null || accept.test(id)) {
      heap.offer(d, id);
      return heap.worst();
    }
    return worst;
  }

  private static long tailMask(int bytes) {
    return bytes == 8 ? -1L : (1L << (8 * bytes)) - 1;
  }

  /** The {@code bytes} (1 to 7) code bytes at {@code at}, little-endian, zero-extended. */
  private static long tailWord(MemorySegment recs, long at, int bytes) {
    long w = 0;
    for (int b = 0; b < bytes; b++) {
      w |= (recs.get(ValueLayout.JAVA_BYTE, at + b) & 0xFFL) << (8 * b);
    }
    return w;
  }

  /** Up to 8 bytes of {@code a} from {@code off}, little-endian, zero-extended. */
  private static long wordOf(byte[] a, int off) {
    long w = 0;
    for (int b = 0; b < 8 && off + b < a.length; b++) {
      w |= (a[off + b] & 0xFFL) << (8 * b);
    }
    return w;
  }

  /**
   * The next mask with as many one bits (Gosper's hack), so that {@code qKey ^ mask} runs over
   * every key at one distance; after 0, the one mask of distance 0, it returns past the table.
   */
  private int nextMask(int x) {
    if (x == 0) {
      return 1 << keyBits;
    }
    int c = x & -x;
    int r = x + c;
    return (((r ^ x) >>> 2) / c) | r;
  }

  /** Keys within Hamming distance {@code radius} of a key of {@code keyBits} bits. */
  public static long ballSize(int keyBits, int radius) {
    long sum = 0;
    long c = 1; // keyBits choose i
    for (int i = 0; i <= Math.min(radius, keyBits); i++) {
      sum += c;
      c = c * (keyBits - i) / (i + 1);
    }
    return sum;
  }

  /**
   * Whether a radius search among {@code n} codes should probe the buckets within {@code radius}
   * rather than scan the columns: when there are at most {@code n / 8192} of them. A bucket costs
   * a random read of about a microsecond (measured on the benchmark machine) where a scan reads a
   * code's prefix in a fraction of a nanosecond.
   */
  public static boolean worthProbingRadius(int keyBits, int radius, long n) {
    return ballSize(keyBits, radius) <= n / 8192;
  }

  /**
   * Every accepted code within Hamming distance {@code radius} of {@code query} at {@code length}
   * bits, closest first, ties by increasing id. Exact: a code's key is its first bits, so a code
   * within {@code radius} at a length of at least {@link #keyBits} has its key within {@code
   * radius} of the query's, and the buckets of those keys hold every answer.
   *
   * @param length bits compared, a multiple of 8 between {@link #keyBits} and the code's length
   * @param accept which ids may be returned; null: all
   * @throws IllegalArgumentException if a parameter is out of range
   */
  public Hits radius(byte[] query, int length, int radius, IntPredicate accept) {
    if (length < keyBits || length % 8 != 0 || length > 8 * codeBytes) {
      throw new IllegalArgumentException("length must be a multiple of 8 between the key's " + keyBits
          + " bits and " + 8 * codeBytes + " bits, got " + length);
    }
    if (radius < 0 || radius > length) {
      throw new IllegalArgumentException("radius must be in [0, " + length + "], got " + radius);
    }
    if (query == null || query.length < length / 8) {
      throw new IllegalArgumentException(
          "query must have at least " + length / 8 + " bytes, got " + (query == null ? "null" : query.length));
    }
    long t0 = System.nanoTime();
    int qKey = key(query, 0, query.length, keyBits);
    int rb = recordBytes(codeBytes);
    int bytes = length / 8;
    long[] q = new long[bytes / 8];
    for (int w = 0; w < q.length; w++) {
      q[w] = wordOf(query, 8 * w);
    }
    int buckets = 1 << keyBits;
    int[] ids = new int[16];
    int[] dists = new int[16];
    int found = 0;
    long ranked = 0;
    for (int r = 0; r <= Math.min(radius, keyBits); r++) {
      for (int mask = (1 << r) - 1; mask < buckets; mask = nextMask(mask)) {
        int key = qKey ^ mask;
        int from = starts.get(LE_INT, 4L * key);
        int to = starts.get(LE_INT, 4L * key + 4);
        ranked += to - from;
        for (int i = from; i < to; i++) {
          long at = (long) i * rb;
          int d = distance(records, at, q, query, bytes);
          if (d <= radius) {
            int id = records.get(LE_INT, at + codeBytes);
            if (accept == null || accept.test(id)) {
              if (found == ids.length) {
                ids = java.util.Arrays.copyOf(ids, 2 * found);
                dists = java.util.Arrays.copyOf(dists, 2 * found);
              }
              ids[found] = id;
              dists[found++] = d;
            }
          }
        }
      }
    }
    long[] packed = new long[found];
    for (int i = 0; i < found; i++) {
      packed[i] = ((long) dists[i] << 32) | (ids[i] & 0xFFFFFFFFL);
    }
    java.util.Arrays.sort(packed);
    int[] outIds = new int[found];
    int[] outDists = new int[found];
    for (int i = 0; i < found; i++) {
      outIds[i] = (int) packed[i];
      outDists[i] = (int) (packed[i] >>> 32);
    }
    List<Hits.StageStats> stats = List.of(new Hits.StageStats(length, ranked, found, System.nanoTime() - t0, ranked * rb));
    return new Hits(outIds, outDists, stats);
  }

  /**
   * Hamming distance of the {@code bytes} first bytes of the record at {@code at} and the query's,
   * whose 8-byte words are {@code q}.
   */
  private static int distance(MemorySegment recs, long at, long[] q, byte[] query, int bytes) {
    int d = 0;
    int b = 0;
    for (int w = 0; w < q.length; w++, b += 8) {
      d += Long.bitCount(recs.get(LE_LONG, at + b) ^ q[w]);
    }
    for (; b < bytes; b++) {
      d += Integer.bitCount((recs.get(ValueLayout.JAVA_BYTE, at + b) ^ query[b]) & 0xFF);
    }
    return d;
  }

  /**
   * The best {@code k} (distance, id) pairs in a max-heap of packed longs: ids arrive in bucket
   * order, not id order, so ties need the id in the comparison.
   */
  private static final class Heap {
    private final long[] heap;
    private int size;

    Heap(int k) {
      heap = new long[k];
    }

    private static long pack(int d, int id) {
      return ((long) d << 32) | (id & 0xFFFFFFFFL);
    }

    /** The largest distance that may still enter: candidates above it cannot, whatever their id. */
    int worst() {
      return size < heap.length ? Integer.MAX_VALUE : (int) (heap[0] >>> 32);
    }

    boolean full() {
      return size == heap.length;
    }

    void offer(int d, int id) {
      long v = pack(d, id);
      if (size < heap.length) {
        int i = size++;
        while (i > 0) {
          int parent = (i - 1) >>> 1;
          if (heap[parent] >= v) {
            break;
          }
          heap[i] = heap[parent];
          i = parent;
        }
        heap[i] = v;
      } else if (v < heap[0]) {
        int i = 0;
        while (true) {
          int l = 2 * i + 1;
          if (l >= size) {
            break;
          }
          int c = l + 1 < size && heap[l + 1] > heap[l] ? l + 1 : l;
          if (heap[c] <= v) {
            break;
          }
          heap[i] = heap[c];
          i = c;
        }
        heap[i] = v;
      }
    }

    Hits ranked(List<Hits.StageStats> stages) {
      long[] sorted = java.util.Arrays.copyOf(heap, size);
      java.util.Arrays.sort(sorted);
      int[] ids = new int[size];
      int[] dists = new int[size];
      for (int i = 0; i < size; i++) {
        ids[i] = (int) sorted[i];
        dists[i] = (int) (sorted[i] >>> 32);
      }
      return new Hits(ids, dists, stages);
    }
  }
}
