package dev.nhl.bench;

import dev.nhl.index.AcceptedIds;
import dev.nhl.index.CodeSegment;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.Hits;
import dev.nhl.index.NestedCodeIndex;
import dev.nhl.index.SearchOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The same codes as one segment and as many, in nhl-index alone: one segment scanned, the same
 * codes split into {@code parts} segments searched one after the other, each under the k-th
 * distance of the ones before (as {@code NestedHammingQuery} passes it on), and one segment with
 * its multi-index tables under the default. Every answer is checked against the one-segment scan;
 * latencies are p50 over the queries of the per-query sums of the measured rounds.
 *
 * <p>Usage: {@code SegmentScans n parts rounds kind...}.
 */
public final class SegmentScans {

  static final CodeSpec SPEC = CodeSpec.of(8, 16, 32, 64, 128);
  static final int QUERIES = 200;
  static final int K = 10;

  private SegmentScans() {}

  /** Runs the comparison for each kind. */
  public static void main(String[] args) {
    int n = Integer.parseInt(args[0]);
    int parts = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    System.out.printf(Locale.ROOT, "# %,d codes, %d parts, %d queries, top %d, %d rounds (the first 2 warm-up); %s, %d cores, JDK %s%n",
        n, parts, QUERIES, K, rounds, System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(),
        Runtime.version());
    System.out.println("| data | one segment, scan | " + parts + " segments, scan | one segment, default (tables) | "
        + parts + " segments / one, scan |");
    System.out.println("| --- | ---: | ---: | ---: | ---: |");
    for (int a = 3; a < args.length; a++) {
      run(args[a], n, parts, rounds);
    }
  }

  private static void run(String kind, int n, int parts, int rounds) {
    CodeGenerator gen = new CodeGenerator(kind, n, 42);
    List<byte[]> all = new ArrayList<>(n);
    NestedCodeIndex.Builder builder = NestedCodeIndex.builder(SPEC);
    for (int i = 0; i < n; i++) {
      byte[] c = gen.next();
      all.add(c);
      builder.add(c);
    }
    byte[][] queries = new byte[QUERIES][];
    for (int q = 0; q < QUERIES; q++) {
      queries[q] = gen.next();
    }
    CodeSegment one = CodeSegment.copyOf(SPEC, all);
    CodeSegment[] segments = new CodeSegment[parts];
    int per = (n + parts - 1) / parts;
    for (int s = 0; s < parts; s++) {
      segments[s] = CodeSegment.copyOf(SPEC, all.subList(Math.min(n, s * per), Math.min(n, (s + 1) * per)));
    }
    SearchOptions exact = SearchOptions.exact(K);
    long[][] nanos = new long[3][QUERIES];
    try (NestedCodeIndex tables = builder.build()) {
      for (int round = 0; round < rounds; round++) {
        for (int q = 0; q < QUERIES; q++) {
          long t0 = System.nanoTime();
          Hits scan = one.search(queries[q], exact, AcceptedIds.all(one.count()));
          long t1 = System.nanoTime();
          int kth = kthOverSegments(segments, queries[q], exact);
          long t2 = System.nanoTime();
          Hits viaTables = tables.search(queries[q], SearchOptions.defaults(K));
          long t3 = System.nanoTime();
          int expected = scan.distances()[K - 1];
          if (kth != expected || viaTables.distances()[K - 1] != expected) {
            throw new AssertionError(kind + ": query " + q + " k-th distance " + expected + " in one segment, "
                + kth + " over " + parts + ", " + viaTables.distances()[K - 1] + " through the tables");
          }
          if (round >= 2) {
            nanos[0][q] += t1 - t0;
            nanos[1][q] += t2 - t1;
            nanos[2][q] += t3 - t2;
          }
        }
      }
    }
    double[] p50 = new double[3];
    for (int i = 0; i < 3; i++) {
      long[] sorted = nanos[i].clone();
      Arrays.sort(sorted);
      p50[i] = sorted[QUERIES / 2] / (double) (rounds - 2) / 1e6;
    }
    System.out.printf(Locale.ROOT, "| %s | %.3f ms | %.3f ms | %.3f ms | %.2f |%n", kind, p50[0], p50[1], p50[2],
        p50[1] / p50[0]);
  }

  /** The k-th distance over the segments, each searched under the k-th distance of those before. */
  private static int kthOverSegments(CodeSegment[] segments, byte[] query, SearchOptions options) {
    int[] top = new int[K];
    Arrays.fill(top, Integer.MAX_VALUE);
    for (CodeSegment s : segments) {
      Hits h = s.search(query, options, AcceptedIds.all(s.count()), top[K - 1]);
      for (int i = 0; i < h.size(); i++) {
        int d = h.distances()[i];
        if (d < top[K - 1]) {
          top[K - 1] = d;
          Arrays.sort(top);
        }
      }
    }
    return top[K - 1];
  }
}
