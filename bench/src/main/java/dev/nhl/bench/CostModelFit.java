package dev.nhl.bench;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Hits;
import dev.nhl.index.NestedCodeIndex;
import dev.nhl.index.ProgressivePlan;
import dev.nhl.index.SearchOptions;
import java.util.Locale;

/**
 * Measures the constants of {@code CodeSegment}'s cost model on this machine: the time of a scan
 * per code, and the time of the multi-index tables per bucket probed and per code ranked, fitted
 * by least squares over queries of several data kinds (the tables run without a cost cap). The
 * work of a search comes from its stage statistics: a table search reads 8 bytes a bucket and a
 * row and an id per code ranked.
 *
 * <p>Usage: {@code CostModelFit n queries kind...}.
 */
public final class CostModelFit {

  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64, 128);

  private CostModelFit() {}

  /** Runs the fit. */
  public static void main(String[] args) {
    int n = Integer.parseInt(args[0]);
    int queries = Integer.parseInt(args[1]);
    // sums for the normal equations of t = a * buckets + b * candidates
    double sbb = 0;
    double sbc = 0;
    double scc = 0;
    double stb = 0;
    double stc = 0;
    double scanNanos = 0;
    int scans = 0;
    for (int a = 2; a < args.length; a++) {
      CodeGenerator gen = new CodeGenerator(args[a], n, 7);
      NestedCodeIndex.Builder b = gen.addTo(NestedCodeIndex.builder(SPEC).multiIndexFrom(1), n);
      try (NestedCodeIndex index = b.build()) {
        SearchOptions tables = SearchOptions.approximate(10, Long.MAX_VALUE);
        SearchOptions scan = SearchOptions.approximate(ProgressivePlan.exact(128, 10));
        byte[][] qs = new byte[queries][];
        for (int q = 0; q < queries; q++) {
          qs[q] = gen.next();
        }
        for (int pass = 0; pass < 3; pass++) { // warm-up
          for (byte[] q : qs) {
            index.search(q, tables);
            index.search(q, scan);
          }
        }
        for (byte[] q : qs) {
          Hits h = index.search(q, tables);
          Hits.StageStats st = h.stages().getFirst();
          double cand = st.candidates();
          double buckets = (st.bytesRead() - 20.0 * cand) / 8.0;
          double t = st.nanos();
          sbb += buckets * buckets;
          sbc += buckets * cand;
          scc += cand * cand;
          stb += t * buckets;
          stc += t * cand;
          Hits s = index.search(q, scan);
          scanNanos += s.stages().getFirst().nanos();
          scans++;
        }
      }
    }
    double det = sbb * scc - sbc * sbc;
    double bucket = (stb * scc - stc * sbc) / det;
    double candidate = (sbb * stc - sbc * stb) / det;
    System.out.printf(Locale.ROOT, "n=%,d: scan %.3f ns a code (%.4f ns a byte at 128 bits); tables %.1f ns a bucket, %.1f ns a code ranked%n",
        n, scanNanos / scans / n, scanNanos / scans / n / 16, bucket, candidate);
  }
}
