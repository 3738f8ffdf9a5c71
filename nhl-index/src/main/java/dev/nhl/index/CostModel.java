package dev.nhl.index;

/**
 * What a search expects its work to cost, in one place: every choice between the multi-index
 * tables, a scan of the columns and the gathers of a staged scan is made from these figures.
 * Nanoseconds of this kind of machine (2 cores, AVX-512), fitted by {@code bench}'s {@code
 * CostModelFit} and {@code SearchCurves} runs (see {@code bench/RESULTS.md}).
 */
final class CostModel {

  /** A bucket probed in the tables: a random read of its start. */
  static final double BUCKET = 30;

  /**
   * A code ranked through the tables: a random read of its row (73 ns a code measured at 1M
   * codes, 122 ns at 10M).
   */
  static final double CANDIDATE = 100;

  /**
   * A scan reads every code's bytes through the final length sequentially (0.96 ns a 128-bit code
   * at 1M, 1.77 ns at 10M): this much a byte, plus {@link #SCAN_PER_CODE} a code.
   */
  static final double SCAN_PER_BYTE = 0.08;

  /** A scan's fixed cost a code: its distance collected and compared with the bound. */
  static final double SCAN_PER_CODE = 0.3;

  /**
   * What reading one word of a plane at random costs, in bytes scanned sequentially: a survivor
   * of a pruned scan reads its word of each remaining plane at random within its block, and is
   * handled on its own. Set from {@code SearchCurves} runs at 1M codes (flip0.10, flip0.15,
   * clustered; 100 against 20, 300 and 1,000), then raised to 300 by {@code SegmentScans} runs of
   * segments too small to sample: at 100, a 64-bit prefix that 1.9% of flip0.15 codes passed was
   * chosen and scanned 9% slower than whole codes; at 300 no kind was slower and clustered and
   * flip0.10 codes 23-25% faster (see {@code bench/RESULTS.md}).
   */
  static final double GATHER_PER_PLANE = 300;

  /** A filter that allows at most one id in this many starts from its ids instead of a scan. */
  static final int SPARSE_FILTER_RATIO = 64;

  /**
   * A table search gives up when the work it has done and still expects is this many times its
   * budget (measured: 1 keeps the default's p99 at or below the scan's on every data kind of
   * {@code bench/RESULTS.md}, and costs the kinds the tables serve well nothing).
   */
  static final double HOPELESS = 1;

  /**
   * Within radius 1 a table search cannot yet project how far it must go. Having spent this share
   * of its budget there while the bound of its collector is still more than a round of radii
   * beyond what the tables cover means buckets crowded around the query (many equal or near-equal
   * codes that are not its neighbours), and it gives up (measured on the real codes of {@code
   * bench/RESULTS.md}, whose p99 came back under the scan's).
   */
  static final double UNSETTLED_SHARE = 0.5;

  private CostModel() {}

  /** The expected cost of scanning {@code count} codes through {@code length} bits. */
  static double scan(int count, int length) {
    return count * (SCAN_PER_CODE + SCAN_PER_BYTE * (length / 8));
  }

  /**
   * The share of codes unrelated to a query (their bits independent of its bits, each equal with
   * probability 1/2) whose distance over {@code bits} bits is below {@code bound}: what a scan of a
   * segment too small to sample expects to survive a prefix of that many bits. Codes near the query
   * survive as well; a scan checks the prediction as it reads.
   */
  static double unrelatedBelow(int bits, int bound) {
    if (bound <= 0) {
      return 0;
    }
    if (bound > bits) {
      return 1;
    }
    double logP = -bits * Math.log(2);
    double sum = 0;
    for (int d = 0; d < bound; d++) {
      sum += Math.exp(logP);
      logP += Math.log((bits - d) / (double) (d + 1));
    }
    return Math.min(1, sum);
  }

  /** The expected cost of a table search that probes this many buckets and ranks this many candidates. */
  static double tables(double buckets, double candidates) {
    return buckets * BUCKET + candidates * CANDIDATE;
  }
}
