package dev.nhl.index;

import java.util.BitSet;

/**
 * What a k-nearest-neighbour search does: exact at one length, progressive with the default plan,
 * or progressive with an explicit plan; optionally restricted to the ids of a filter. Immutable;
 * {@link #withFilter} returns a copy.
 *
 * <pre>{@code
 * index.search(query, SearchOptions.exact(10));                    // exact at the longest length
 * index.search(query, SearchOptions.progressive(10));              // default plan
 * index.search(query, SearchOptions.progressive(plan).withFilter(allowed));
 * }</pre>
 */
public final class SearchOptions {

  private final int k;
  private final int length; // 0: the spec's longest
  private final boolean progressive;
  private final ProgressivePlan plan; // null: default
  private final BitSet filter;

  private SearchOptions(int k, int length, boolean progressive, ProgressivePlan plan, BitSet filter) {
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
    this.filter = filter;
  }

  /** Exact top {@code k} at the spec's longest length. */
  public static SearchOptions exact(int k) {
    return new SearchOptions(k, 0, false, null, null);
  }

  /** Exact top {@code k} at {@code length} bits, one of the spec's lengths. */
  public static SearchOptions exact(int k, int length) {
    if (length == 0) {
      throw new IllegalArgumentException("length must be a positive multiple of 8 bits, got 0");
    }
    return new SearchOptions(k, length, false, null, null);
  }

  /** Progressive top {@code k} at the longest length with {@link ProgressivePlan#defaultPlan}. */
  public static SearchOptions progressive(int k) {
    return new SearchOptions(k, 0, true, null, null);
  }

  /**
   * Progressive top {@code k} at {@code length} bits, one of the spec's lengths, with {@link
   * ProgressivePlan#defaultPlan}.
   */
  public static SearchOptions progressive(int k, int length) {
    if (length == 0) {
      throw new IllegalArgumentException("length must be a positive multiple of 8 bits, got 0");
    }
    return new SearchOptions(k, length, true, null, null);
  }

  /** Progressive search with an explicit plan; {@code k} is the plan's last keep. */
  public static SearchOptions progressive(ProgressivePlan plan) {
    if (plan == null) {
      throw new IllegalArgumentException("plan is null");
    }
    return new SearchOptions(plan.k(), plan.finalLength(), true, plan, null);
  }

  /**
   * The same search restricted to the ids set in {@code allowed} (read, not copied: do not change
   * it during a search). {@code null} removes the filter.
   */
  public SearchOptions withFilter(BitSet allowed) {
    return new SearchOptions(k, length, progressive, plan, allowed);
  }

  /** Number of hits asked for. */
  public int k() {
    return k;
  }

  /** The filter, or null. */
  public BitSet filter() {
    return filter;
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
        + (filter == null ? "" : ", filtered")
        + ")";
  }
}
