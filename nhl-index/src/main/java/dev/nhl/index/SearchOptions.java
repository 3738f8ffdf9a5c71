package dev.nhl.index;

import java.util.BitSet;

/**
 * What a k-nearest-neighbour search does: exact at one length; progressive by default (a probe of
 * the index's prefix table when it has one, else the default plan); a probe of a given number of
 * candidates; or progressive with an explicit plan. Optionally restricted to the ids of a filter.
 * Immutable; {@link #withFilter} returns a copy.
 *
 * <pre>{@code
 * index.search(query, SearchOptions.exact(10));                    // exact at the longest length
 * index.search(query, SearchOptions.progressive(10));              // the default
 * index.search(query, SearchOptions.probing(10, 20_000));          // a larger probe
 * index.search(query, SearchOptions.progressive(plan).withFilter(allowed));
 * }</pre>
 */
public final class SearchOptions {

  private final int k;
  private final int length; // 0: the spec's longest
  private final boolean progressive;
  private final ProgressivePlan plan; // null: default
  private final long candidates; // of a probe: DEFAULT_PROBE, NO_PROBE or a count
  private final BitSet filter;

  static final long NO_PROBE = 0;
  static final long DEFAULT_PROBE = -1;

  private SearchOptions(int k, int length, boolean progressive, ProgressivePlan plan, long candidates, BitSet filter) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive, got " + k);
    }
    if (length < 0 || length % 8 != 0) {
      throw new IllegalArgumentException(
          "length must be a positive multiple of 8 bits, got " + length);
    }
    this.k = k;
    this.length = length;
    this.progressive = progressive;
    this.plan = plan;
    this.candidates = candidates;
    this.filter = filter;
  }

  /** Exact top {@code k} at the spec's longest length. */
  public static SearchOptions exact(int k) {
    return new SearchOptions(k, 0, false, null, NO_PROBE, null);
  }

  /** Exact top {@code k} at {@code length} bits, one of the spec's lengths. */
  public static SearchOptions exact(int k, int length) {
    if (length == 0) {
      throw new IllegalArgumentException("length must be a positive multiple of 8 bits, got 0");
    }
    return new SearchOptions(k, length, false, null, NO_PROBE, null);
  }

  /**
   * Progressive top {@code k} at the longest length: a probe of the index's prefix table for
   * {@link PrefixBuckets#defaultCandidates} codes when it has one and {@link
   * PrefixBuckets#probeSize} does not prefer a scan, else {@link ProgressivePlan#defaultPlan}.
   */
  public static SearchOptions progressive(int k) {
    return new SearchOptions(k, 0, true, null, DEFAULT_PROBE, null);
  }

  /**
   * Progressive top {@code k} at {@code length} bits, one of the spec's lengths, as {@link
   * #progressive(int)}.
   */
  public static SearchOptions progressive(int k, int length) {
    if (length == 0) {
      throw new IllegalArgumentException("length must be a positive multiple of 8 bits, got 0");
    }
    return new SearchOptions(k, length, true, null, DEFAULT_PROBE, null);
  }

  /**
   * Progressive top {@code k} at the longest length that probes the index's prefix table until at
   * least {@code candidates} codes were ranked (see {@link PrefixBuckets#search}); an index
   * without a table runs {@link ProgressivePlan#defaultPlan}. Probing at least as many candidates
   * as there are codes returns the exact hits.
   *
   * @throws IllegalArgumentException if {@code candidates} is not positive
   */
  public static SearchOptions probing(int k, long candidates) {
    if (candidates <= 0) {
      throw new IllegalArgumentException("candidates must be positive, got " + candidates);
    }
    return new SearchOptions(k, 0, true, null, candidates, null);
  }

  /** Progressive search with an explicit plan; {@code k} is the plan's last keep. */
  public static SearchOptions progressive(ProgressivePlan plan) {
    if (plan == null) {
      throw new IllegalArgumentException("plan is null");
    }
    return new SearchOptions(plan.k(), plan.finalLength(), true, plan, NO_PROBE, null);
  }

  /**
   * The same search restricted to the ids set in {@code allowed} (read, not copied: do not change
   * it during a search). {@code null} removes the filter.
   */
  public SearchOptions withFilter(BitSet allowed) {
    return new SearchOptions(k, length, progressive, plan, candidates, allowed);
  }

  /** Number of hits asked for. */
  public int k() {
    return k;
  }

  /** The filter, or null. */
  public BitSet filter() {
    return filter;
  }

  /** Whether this search probes a prefix table when the index has one. */
  boolean probes() {
    return candidates != NO_PROBE;
  }

  /** The candidates given to {@link #probing}, or 0 for the default. */
  long explicitCandidates() {
    return Math.max(0, candidates);
  }

  /** The final length of the search over codes of {@code spec}. */
  int length(CodeSpec spec) {
    return length == 0 ? spec.maxBits() : length;
  }

  /** The plan this search runs over {@code n} codes of {@code spec}. */
  ProgressivePlan planFor(CodeSpec spec, long n) {
    int len = length == 0 ? spec.maxBits() : length;
    if (!spec.hasLength(len)) {
      throw new IllegalArgumentException(
          "length " + len + " is not one of the code spec's lengths " + spec);
    }
    ProgressivePlan p;
    if (plan != null) {
      p = plan;
    } else if (progressive) {
      p = ProgressivePlan.defaultPlan(spec, n, k, len);
    } else {
      p = ProgressivePlan.exact(len, k);
    }
    p.checkAgainst(spec);
    return p;
  }

  @Override
  public String toString() {
    return (progressive ? "progressive" : "exact")
        + "(k="
        + k
        + (length == 0 ? "" : ", length=" + length)
        + (plan == null ? "" : ", plan=" + plan.stages())
        + (candidates > 0 ? ", candidates=" + candidates : "")
        + (filter == null ? "" : ", filtered")
        + ")";
  }
}
