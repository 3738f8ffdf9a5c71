package dev.nhl.index;

import dev.nhl.index.internal.vectorization.HammingKernel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Multi-index hashing tables (Norouzi, Punjani and Fleet, "Fast Exact Search in Hamming Space
 * with Multi-Index Hashing", TPAMI 2014) over the codes of one segment: the code is cut into
 * {@code m} disjoint substrings, and each substring has a hash table from its value to the
 * ordinals of the codes that have it. Two codes at Hamming distance {@code d} differ by at most
 * {@code floor(d / m)} bits in at least one substring, so probing every table's buckets within
 * radius {@code r} of the query's substring finds every code within distance {@code m(r + 1) -
 * 1}: a search that widens {@code r} until its k-th best distance is within that bound is exact,
 * ties included, and reads a number of codes that depends on how close the neighbours are, not
 * on how many codes there are.
 *
 * <p>Public for storage integrations (the Lucene doc values format writes the region beside its
 * columns); applications reach it through {@link CodeSegment}. Thread-safe; valid while the memory
 * is.
 *
 * <h2>Layout</h2>
 *
 * Little-endian, from the first byte of the region, for {@code n} codes of {@code B} bytes (the
 * spec's longest length) and substrings {@code (from_t, width_t)}:
 *
 * <pre>
 * rows      n x R bytes, R = B rounded up to a multiple of 8: code i's bytes, zero-padded;
 *           padded to a multiple of 64
 * table t   for t = 0 .. m-1:
 *   starts  int32 x (2^width_t + 1): starts[key] = ordinals with a smaller key; starts[2^width_t] = n;
 *           padded to a multiple of 64
 *   ids     int32 x n: the ordinals, ordered by key, then increasing; padded to a multiple of 64
 * </pre>
 *
 * The key of a code in table {@code t} is its bits {@code [from_t, from_t + width_t)}, the first
 * one most significant (bit {@code i} of a code is bit {@code 7 - i % 8} of byte {@code i / 8}, as
 * {@link Codes} defines).
 */
public final class MultiIndex {

  /**
   * One table's substring: bits {@code [from, from + width)} of the code.
   *
   * @param from first bit
   * @param width bits, 1 to {@value #MAX_WIDTH}
   */
  public record Substring(int from, int width) {
    /** @throws IllegalArgumentException if a value is out of range */
    public Substring {
      if (from < 0 || width < 1 || width > MAX_WIDTH) {
        throw new IllegalArgumentException(
            "a substring starts at a non-negative bit and has 1 to " + MAX_WIDTH + " bits, got from "
                + from + ", width " + width);
      }
    }

    /** The bit after the last. */
    public int end() {
      return from + width;
    }
  }

  /** The longest code that gets tables. */
  public static final int MAX_TABLE_BITS = 512;

  /** The widest substring: a table of 2^24 buckets takes 64 MiB of starts. */
  public static final int MAX_WIDTH = 24;

  private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final CodeSpec spec;
  private final int n;
  private final int rowBytes;
  private final List<Substring> substrings;
  private final MemorySegment rows;
  private final MemorySegment[] starts;
  private final MemorySegment[] ids;
  private final HammingKernel kernel;

  private MultiIndex(CodeSpec spec, int n, List<Substring> substrings, MemorySegment region, HammingKernel kernel) {
    this.spec = spec;
    this.n = n;
    this.rowBytes = rowBytes(spec);
    this.substrings = List.copyOf(substrings);
    this.kernel = kernel;
    long at = 0;
    rows = region.asSlice(at, (long) n * rowBytes);
    at += ColumnLayout.align((long) n * rowBytes);
    starts = new MemorySegment[substrings.size()];
    ids = new MemorySegment[substrings.size()];
    for (int t = 0; t < substrings.size(); t++) {
      long s = startsBytes(substrings.get(t));
      starts[t] = region.asSlice(at, s);
      at += ColumnLayout.align(s);
      ids[t] = region.asSlice(at, 4L * n);
      at += ColumnLayout.align(4L * n);
    }
  }

  // ------------------------------------------------------------------ layout

  /** Bytes of one row: the longest code rounded up to whole 8-byte words. */
  public static int rowBytes(CodeSpec spec) {
    return (spec.maxBytes() + 7) & -8;
  }

  private static long startsBytes(Substring s) {
    return 4L * ((1L << s.width()) + 1);
  }

  /** Bytes of the region for {@code n} codes of {@code spec} and these substrings. */
  public static long regionBytes(CodeSpec spec, List<Substring> substrings, long n) {
    long bytes = ColumnLayout.align(n * rowBytes(spec));
    for (Substring s : substrings) {
      bytes += ColumnLayout.align(startsBytes(s)) + ColumnLayout.align(4L * n);
    }
    return bytes;
  }

  /**
   * The substrings for {@code n} codes of {@code spec}: {@code m = ceil(L / t)} near-equal
   * substrings of the longest length {@code L}, where {@code t = log2 n} (between 8 and {@value
   * #MAX_WIDTH}), the choice of the paper: about one code a bucket, so that the tables stay as
   * large as the ids they hold and a probe of radius {@code r} reads few empty buckets. Codes
   * longer than {@value #MAX_TABLE_BITS} bits get no tables (an empty list): they would need
   * dozens, and their neighbours are rarely close enough for the tables to beat a scan.
   *
   * @throws IllegalArgumentException if {@code n} is not positive
   */
  public static List<Substring> substrings(CodeSpec spec, long n) {
    if (n <= 0) {
      throw new IllegalArgumentException("multi-index tables need at least one code, got " + n);
    }
    int length = spec.maxBits();
    if (length > MAX_TABLE_BITS) {
      return List.of();
    }
    int t = (int) Math.round(Math.log(n) / Math.log(2));
    t = Math.max(8, Math.min(MAX_WIDTH, t));
    int m = Math.max(1, (length + t - 1) / t);
    while ((length + m - 1) / m > MAX_WIDTH) {
      m++;
    }
    List<Substring> out = new ArrayList<>(m);
    int from = 0;
    for (int i = 0; i < m; i++) {
      int end = (int) ((long) length * (i + 1) / m);
      out.add(new Substring(from, end - from));
      from = end;
    }
    return out;
  }

  /**
   * Checks substrings against a spec.
   *
   * @throws IllegalArgumentException if there are none, they overlap, are out of order or pass
   *     the longest length
   */
  public static void checkSubstrings(CodeSpec spec, List<Substring> substrings) {
    if (substrings == null || substrings.isEmpty()) {
      throw new IllegalArgumentException("multi-index tables need at least one substring");
    }
    int end = 0;
    for (Substring s : substrings) {
      if (s.from() < end || s.end() > spec.maxBits()) {
        throw new IllegalArgumentException(
            "substrings must be disjoint, in order and within the spec's " + spec.maxBits() + " bits, got "
                + substrings);
      }
      end = s.end();
    }
  }

  /**
   * Tables over {@code n} codes of {@code spec} laid out in {@code region} as the class
   * documentation says. The bucket starts are checked here (every table's starts run without
   * decreasing from 0 to {@code n}), so damaged tables fail here, not in a search.
   *
   * @throws IllegalArgumentException if the region is too short or a table's starts are invalid
   */
  public static MultiIndex of(CodeSpec spec, int n, List<Substring> substrings, MemorySegment region) {
    checkSubstrings(spec, substrings);
    if (n < 0) {
      throw new IllegalArgumentException("code count must not be negative, got " + n);
    }
    long need = regionBytes(spec, substrings, n);
    if (region.byteSize() < need) {
      throw new IllegalArgumentException(
          n + " codes in tables " + substrings + " take " + need + " bytes, got " + region.byteSize());
    }
    MultiIndex mi = new MultiIndex(spec, n, substrings,
        region, dev.nhl.index.internal.vectorization.VectorizationProvider.getInstance().hammingKernel());
    for (int t = 0; t < substrings.size(); t++) {
      MemorySegment s = mi.starts[t];
      int buckets = 1 << substrings.get(t).width();
      int prev = s.get(LE_INT, 0);
      if (prev != 0) {
        throw new IllegalArgumentException("table " + t + ": the first bucket starts at " + prev + ", not 0");
      }
      for (int key = 1; key <= buckets; key++) {
        int v = s.get(LE_INT, 4L * key);
        if (v < prev || v > n) {
          throw new IllegalArgumentException(
              "table " + t + ": bucket " + key + " starts at " + v + " after " + prev + " of " + n + " ids");
        }
        prev = v;
      }
      if (prev != n) {
        throw new IllegalArgumentException("table " + t + ": the buckets end at " + prev + ", not at " + n);
      }
    }
    return mi;
  }

  /** The substrings of the tables. */
  public List<Substring> substrings() {
    return substrings;
  }

  /** Number of codes. */
  public int count() {
    return n;
  }

  /** Bits {@code [from, from + width)} of the code at {@code bytes[offset]}, first bit most significant. */
  static int key(byte[] bytes, int offset, int from, int width) {
    int first = from >>> 3;
    int last = (from + width - 1) >>> 3;
    long v = 0;
    for (int b = first; b <= last; b++) {
      v = (v << 8) | (bytes[offset + b] & 0xFF);
    }
    int shift = 7 - ((from + width - 1) & 7);
    return (int) ((v >>> shift) & ((1L << width) - 1));
  }

  // ------------------------------------------------------------------ writing

  /** Visits codes in ordinal order. */
  @FunctionalInterface
  public interface CodeVisitor {
    /** Code {@code ord}: the spec's longest code at {@code bytes[offset]}. */
    void visit(int ord, byte[] bytes, int offset) throws IOException;
  }

  /** Codes that can be read more than once, in ordinal order: writers read them once per pass. */
  @FunctionalInterface
  public interface CodeSource {
    /** Visits every code, ordinals 0, 1, 2 ... */
    void forEach(CodeVisitor visitor) throws IOException;
  }

  /** Where a writer appends what it writes, sequentially. */
  @FunctionalInterface
  public interface Sink {
    /** Appends {@code len} bytes of {@code b} from {@code off}. */
    void write(byte[] b, int off, int len) throws IOException;
  }

  /**
   * Writes the region for {@code n} codes.
   *
   * @deprecated use {@link MultiIndexWriter#write}: the tables' writer stands apart from their search.
   */
  @Deprecated(since = "0.2")
  public static void write(CodeSpec spec, List<Substring> substrings, int n, CodeSource codes, Sink out, int passBytes)
      throws IOException {
    MultiIndexWriter.write(spec, substrings, n, codes, out, passBytes);
  }

  // ------------------------------------------------------------------ searching

  /** The query prepared for one final length: its words, the tables it can use, their keys. */
  final class Query {
    final int length;
    final long[] words;
    final int fullWords;
    final long tailMask;
    /** Tables whose substring lies within the first {@code length} bits. */
    final int tables;
    final int[] keys;
    /** Per usable table, the substring's bits as masks over the row's words. */
    final long[][] masks;

    Query(byte[] query, int length) {
      this.length = length;
      int rw = rowBytes / 8;
      words = new long[rw];
      for (int w = 0; w < rw; w++) {
        long v = 0;
        for (int b = 0; b < 8 && 8 * w + b < query.length; b++) {
          v |= (query[8 * w + b] & 0xFFL) << (8 * b);
        }
        words[w] = v;
      }
      fullWords = length / 64;
      tailMask = length % 64 == 0 ? 0 : (1L << (length % 64)) - 1;
      int t = 0;
      while (t < substrings.size() && substrings.get(t).end() <= length) {
        t++;
      }
      tables = t;
      keys = new int[t];
      masks = new long[t][rw];
      for (int i = 0; i < t; i++) {
        Substring s = substrings.get(i);
        keys[i] = key(query, 0, s.from(), s.width());
        for (int bit = s.from(); bit < s.end(); bit++) {
          // bit i of a code: bit 7 - i % 8 of byte i / 8, which a little-endian word holds at 8 * (byte % 8)
          int byteIndex = bit >>> 3;
          masks[i][byteIndex >>> 3] |= 1L << (8 * (byteIndex & 7) + 7 - (bit & 7));
        }
      }
    }

    /** The code at {@code rowOffset}'s distance from the query in substring {@code t}. */
    int substringDistance(long rowOffset, int t) {
      return kernel.maskedXorBitCount(rows, rowOffset, words, masks[t]);
    }
  }

  /** A query prepared for a search at {@code length} bits. */
  Query prepare(byte[] query, int length) {
    return new Query(query, length);
  }

  /** The distance of ordinal {@code ord} at the query's length. */
  int distance(Query q, int ord) {
    return kernel.xorBitCount(rows, (long) ord * rowBytes, q.words, q.fullWords, q.tailMask);
  }

  /** Counters of a search's work, in the units the cost model of {@link CodeSegment} weighs. */
  static final class Work {
    long buckets;
    long candidates;
  }

  /** What a probe does after each table: go on, stop with a complete result, or give up. */
  enum Next { GO_ON, DONE, GIVE_UP }

  /** Decides, after each table of each radius, whether the probe is done. */
  @FunctionalInterface
  interface Policy {
    /** {@code done[x]}: the radius table {@code x} was probed to in full, -1 for none yet. */
    Next afterTable(int[] done, int t, int r);
  }

  /**
   * Probes the usable tables round-robin, one radius at a time (radius 0 of every table, then
   * radius 1 ...), up to {@code lastRadius}, and offers every accepted code below {@code
   * out.bound()} to {@code out} once, on its first visit. Stops early when {@code policy} says so,
   * or returns false when the work passes {@code maxCost}.
   *
   * @return false if it gave up
   */
  boolean probe(Query q, AcceptedIds accept, Collector out, int lastRadius,
      double maxCost, double bucketCost, double candidateCost, Work work, Policy policy) {
    return probe(q, accept, out, lastRadius, maxCost, maxCost, bucketCost, candidateCost, work, policy);
  }

  /**
   * As above; within radius 1, past {@code earlyCost}, it also gives up while the collector's
   * bound lies more than a round of radii beyond what the tables cover.
   */
  private boolean probe(Query q, AcceptedIds accept, Collector out, int lastRadius, double earlyCost,
      double maxCost, double bucketCost, double candidateCost, Work work, Policy policy) {
    int m = q.tables;
    assert m > 0;
    int[] done = new int[m];
    java.util.Arrays.fill(done, -1);
    boolean all = accept.acceptsAll();
    for (int r = 0; r <= lastRadius; r++) {
      for (int t = 0; t < m; t++) {
        int width = substrings.get(t).width();
        if (r > width) {
          continue;
        }
        MemorySegment st = starts[t];
        MemorySegment idt = ids[t];
        int buckets = 1 << width;
        int qKey = q.keys[t];
        for (int mask = (1 << r) - 1; mask < buckets; mask = nextMask(mask, width)) {
          int key = qKey ^ mask;
          int from = st.get(LE_INT, 4L * key);
          int to = st.get(LE_INT, 4L * key + 4);
          work.buckets++;
          work.candidates += to - from;
          double cost = work.buckets * bucketCost + work.candidates * candidateCost;
          if (cost > maxCost) {
            return false; // before the bucket's codes are read: one bucket may hold many
          }
          if (r <= 1 && cost > earlyCost && out.bound() > covered(done, t, r) + m + 1) {
            return false;
          }
          for (int i = from; i < to; i++) {
            int ord = idt.get(LE_INT, 4L * i);
            long row = (long) ord * rowBytes;
            int d = kernel.xorBitCount(rows, row, q.words, q.fullWords, q.tailMask);
            if (d < out.bound() && (all || accept.accept(ord)) && firstSeen(q, row, t, r)) {
              out.offer(ord, d);
            }
          }
        }
        done[t] = r;
        if (r == width) {
          return true; // every key of this table probed: every code seen
        }
        Next next = policy.afterTable(done, t, r);
        if (next != Next.GO_ON) {
          return next == Next.DONE;
        }
      }
    }
    return true;
  }

  /**
   * Probes the tables until the top {@code k} accepted codes are exact (the k-th best distance
   * is within what the probed radii cover), at least {@code minCandidates} codes were ranked with
   * {@code k} accepted (an approximate stop, {@code Long.MAX_VALUE} for none), or the work passes
   * {@code maxCost} ({@code bucketCost} per bucket, {@code candidateCost} per code ranked): then it
   * returns false, and {@code top} holds what was found, a bound for a scan to finish the search.
   *
   * @return whether {@code top} holds the result
   */
  boolean search(Query q, AcceptedIds accept, TopCollector top, long minCandidates,
      double maxCost, double bucketCost, double candidateCost, Work work) {
    int m = q.tables;
    int maxWidth = 0;
    for (int t = 0; t < m; t++) {
      maxWidth = Math.max(maxWidth, substrings.get(t).width());
    }
    return probe(q, accept, top, maxWidth, CostModel.UNSETTLED_SHARE * maxCost, maxCost, bucketCost, candidateCost, work,
        (done, t, r) -> {
      int worst = top.worst();
      if (worst == Integer.MAX_VALUE) {
        return Next.GO_ON;
      }
      // table t was just probed to r: every code closer than this was seen
      int covered = covered(done, t + 1, r);
      if (worst <= covered || work.candidates >= minCandidates) {
        return Next.DONE;
      }
      // the k-th distance tells how far the probe must go: give up as soon as that is expected to
      // cost more than the budget. It waits until every table was probed within radius 1: until
      // then the k-th distance may come from codes that merely share a bucket with the query
      boolean settled = r >= 2 || (r == 1 && t == m - 1);
      double spent = work.buckets * bucketCost + work.candidates * candidateCost;
      return settled && spent + costToCover(done, t, worst, bucketCost, candidateCost) > CostModel.HOPELESS * maxCost
          ? Next.GIVE_UP
          : Next.GO_ON;
    });
  }

  /**
   * The distance below which every code was seen once table {@code t} is probed to radius {@code
   * r} (the tables before it to {@code r}, the others to {@code done}).
   */
  private static int covered(int[] done, int t, int r) {
    int covered = -1;
    for (int x = 0; x < done.length; x++) {
      covered += (x < t ? r : Math.min(done[x], r - 1)) + 1;
    }
    return covered;
  }

  /**
   * The expected cost of probing on, in the round-robin order, from table {@code t + 1} of the
   * current radius until the tables cover distance {@code worst}, counting {@code n / 2^width}
   * codes a bucket.
   */
  private double costToCover(int[] done, int t, int worst, double bucketCost, double candidateCost) {
    int m = done.length;
    int[] d = done.clone();
    long covered = covered(done, t + 1, done[t]);
    double cost = 0;
    int x = (t + 1) % m;
    while (covered < worst) {
      int width = substrings.get(x).width();
      if (d[x] >= width) {
        break; // that table alone would have seen every code
      }
      d[x]++;
      double buckets = binomial(width, d[x]);
      cost += buckets * bucketCost + buckets * n / (double) (1L << width) * candidateCost;
      covered++;
      x = (x + 1) % m;
    }
    return cost;
  }

  private static double binomial(int n, int k) {
    double c = 1;
    for (int i = 0; i < k; i++) {
      c = c * (n - i) / (i + 1);
    }
    return c;
  }

  /**
   * Whether table {@code t} at radius {@code r} is the first visit of the code at {@code row}:
   * tables are probed radius by radius, in table order within a radius, so an earlier visit
   * happened if an earlier table holds it within {@code r}, or a later one within {@code r - 1}.
   */
  private static boolean firstSeen(Query q, long row, int t, int r) {
    for (int x = 0; x < q.tables; x++) {
      if (x != t) {
        int dx = q.substringDistance(row, x);
        if (dx < r || (dx == r && x < t)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Every accepted code within {@code radius} at the query's length, with its distance, added to
   * {@code out} (whose bound is {@code radius + 1}): each table is probed to radius {@code
   * floor(radius / m)}, which finds them all (at least one substring of a code within {@code
   * radius} is within that).
   */
  void radius(Query q, int radius, AcceptedIds accept, RadiusCollector out, Work work) {
    probe(q, accept, out, radius / q.tables, Double.POSITIVE_INFINITY, 0, 0, work, (done, t, r) -> Next.GO_ON);
  }

  /** Buckets a radius search at {@code radius} probes, and the codes expected in them. */
  double[] radiusWork(Query q, int radius) {
    int m = q.tables;
    int r = radius / m;
    double buckets = 0;
    double codes = 0;
    for (int t = 0; t < m; t++) {
      int width = substrings.get(t).width();
      double b = ballSize(width, r);
      buckets += b;
      codes += b * n / (double) (1L << width);
    }
    return new double[] {buckets, codes};
  }

  /** Keys within Hamming distance {@code radius} of a key of {@code bits} bits. */
  static long ballSize(int bits, int radius) {
    long sum = 0;
    long c = 1;
    for (int i = 0; i <= Math.min(radius, bits); i++) {
      sum += c;
      c = c * (bits - i) / (i + 1);
    }
    return sum;
  }

  /**
   * The next mask of {@code width} bits with as many one bits (Gosper's hack), so that {@code key ^
   * mask} runs over every key at one distance; after 0, the one mask of distance 0, and after the
   * last mask, it returns {@code 1 << width} or more.
   */
  private static int nextMask(int x, int width) {
    if (x == 0) {
      return 1 << width;
    }
    int c = x & -x;
    int r = x + c;
    return (((r ^ x) >>> 2) / c) | r;
  }

  /** The code of ordinal {@code ord}, from its row. */
  byte[] code(int ord) {
    byte[] c = new byte[spec.maxBytes()];
    MemorySegment.copy(rows, ValueLayout.JAVA_BYTE, (long) ord * rowBytes, c, 0, c.length);
    return c;
  }

  /** Bytes a search reads for one code ranked: its row and its id. */
  int bytesPerCandidate() {
    return rowBytes + 4;
  }
}
