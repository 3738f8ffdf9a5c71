package dev.nhl.bench;

import java.io.IOException;
import java.util.Arrays;

/**
 * How the harnesses time a search: warm-up passes over all queries until two passes agree within
 * 5% (at least 3, at most 12, or until one pass takes 5 s: C2 compiles the kernels in the
 * background, which on 2 cores takes a while), then one timed pass, with the tie-aware recall of
 * each query's hits against the exact distances.
 */
final class QueryTiming {

  private QueryTiming() {}

  /** One search of one query: the distances of its hits, in any order. */
  interface Search {
    int[] distances(int query) throws IOException;
  }

  /** Latency percentiles and mean in milliseconds, and the mean recall. */
  record Result(double p50, double p99, double mean, double recall) {
    SearchCurves.Point point(String name) {
      return new SearchCurves.Point(name, p50, p99, mean, recall);
    }
  }

  static Result measure(int queries, int[][] exact, Search search) throws IOException {
    long previous = Long.MAX_VALUE;
    for (int pass = 0; pass < 12; pass++) {
      long t0 = System.nanoTime();
      for (int q = 0; q < queries; q++) {
        search.distances(q);
      }
      long t = System.nanoTime() - t0;
      if ((pass >= 2 && Math.abs(t - previous) < 0.05 * previous) || t > 5_000_000_000L) {
        break;
      }
      previous = t;
    }
    long[] nanos = new long[queries];
    double recall = 0;
    long sum = 0;
    for (int q = 0; q < queries; q++) {
      long t0 = System.nanoTime();
      int[] got = search.distances(q);
      nanos[q] = System.nanoTime() - t0;
      sum += nanos[q];
      int[] sorted = got.clone();
      Arrays.sort(sorted);
      recall += LuceneComparison.recall(exact[q], sorted);
    }
    Arrays.sort(nanos);
    return new Result(nanos[queries / 2] / 1e6, nanos[(int) Math.ceil(queries * 0.99) - 1] / 1e6, sum / 1e6 / queries,
        recall / queries);
  }
}
