package dev.nhl.index;

import java.util.BitSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What a k-nearest-neighbour search does, as a value: one of four {@link Mode modes}, the number
 * of hits, the final length, and optionally a filter of allowed ids. Immutable; {@link
 * #withAcceptedIds} and the other {@code with} methods return a copy.
 *
 * <pre>{@code
 * index.search(query, SearchOptions.defaults(10));                 // the default: exact results
 * index.search(query, SearchOptions.exact(10));                    // exact, at the longest length
 * index.search(query, SearchOptions.approximate(10, 20_000));      // approximate, bounded work
 * index.search(query, SearchOptions.approximate(plan).withAcceptedIds(AcceptedIds.of(allowed)));
 * }</pre>
 *
 * <p>Only {@link Mode#PROBE} and {@link Mode#PLAN} can return approximate results, and only
 * because they were asked for by name.
 */
public final class SearchOptions {

  /** How a search finds its hits. */
  public enum Mode {
    /**
     * The default ({@link #defaults(int)}): exact results, by whichever route {@link
     * CodeSegment#search} expects to be fastest; today the same as {@link #EXACT}.
     */
    DEFAULT,
    /**
     * Exact top k: the multi-index tables where they are cheaper than reading every code, else a
     * scan of the columns.
     */
    EXACT,
    /**
     * Approximate: the multi-index tables are probed, nearest buckets first, until {@link
     * #probeCandidates} codes were ranked; stops earlier when the result is provably exact. A
     * segment without tables is searched exactly.
     */
    PROBE,
    /** A {@link ProgressivePlan} over the columns: approximate unless its stages keep everything. */
    PLAN
  }

  private final Mode mode;
  private final int k;
  private final int length; // 0: the spec's longest
  private final ProgressivePlan plan; // PLAN only
  private final long candidates; // PROBE only
  private final AcceptedIds filter; // null: every id
  private final BitSet legacyFilter; // what the deprecated withFilter(BitSet) was given, for filter()

  private SearchOptions(Mode mode, int k, int length, ProgressivePlan plan, long candidates, AcceptedIds filter) {
    this(mode, k, length, plan, candidates, filter, null);
  }

  private SearchOptions(Mode mode, int k, int length, ProgressivePlan plan, long candidates, AcceptedIds filter,
      BitSet legacyFilter) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive, got " + k);
    }
    if (length < 0 || length % 8 != 0) {
      throw new IllegalArgumentException("length must be a positive multiple of 8 bits, got " + length);
    }
    this.mode = mode;
    this.k = k;
    this.length = length;
    this.plan = plan;
    this.candidates = candidates;
    this.filter = filter;
    this.legacyFilter = legacyFilter;
  }

  private static int checkLength(int length) {
    if (length <= 0) {
      throw new IllegalArgumentException("length must be a positive multiple of 8 bits, got " + length);
    }
    return length;
  }

  /** Exact top {@code k} at the spec's longest length. */
  public static SearchOptions exact(int k) {
    return new SearchOptions(Mode.EXACT, k, 0, null, 0, null);
  }

  /** Exact top {@code k} at {@code length} bits, one of the spec's lengths. */
  public static SearchOptions exact(int k, int length) {
    return new SearchOptions(Mode.EXACT, k, checkLength(length), null, 0, null);
  }

  /**
   * The default search for top {@code k} at the longest length: exact results ({@link
   * Mode#DEFAULT}), by whichever route is expected to be fastest.
   */
  public static SearchOptions defaults(int k) {
    return new SearchOptions(Mode.DEFAULT, k, 0, null, 0, null);
  }

  /** The default search for top {@code k} at {@code length} bits, one of the spec's lengths: exact results. */
  public static SearchOptions defaults(int k, int length) {
    return new SearchOptions(Mode.DEFAULT, k, checkLength(length), null, 0, null);
  }

  /**
   * Approximate top {@code k} at the longest length that probes the multi-index tables until at
   * least {@code candidates} codes were ranked ({@link Mode#PROBE}). More candidates cost more
   * time and miss fewer neighbours; as many as the codes return the exact hits.
   *
   * @throws IllegalArgumentException if {@code candidates} is not positive
   */
  public static SearchOptions approximate(int k, long candidates) {
    if (candidates <= 0) {
      throw new IllegalArgumentException("candidates must be positive, got " + candidates);
    }
    return new SearchOptions(Mode.PROBE, k, 0, null, candidates, null);
  }

  /**
   * A search that runs {@code plan} over the columns ({@link Mode#PLAN}); {@code k} is the plan's
   * last keep. Approximate unless the plan's stages keep every code.
   */
  public static SearchOptions approximate(ProgressivePlan plan) {
    if (plan == null) {
      throw new IllegalArgumentException("plan is null");
    }
    return new SearchOptions(Mode.PLAN, plan.k(), plan.finalLength(), plan, 0, null);
  }

  /**
   * The default search: exact results.
   *
   * @deprecated use {@link #defaults(int)}; the name said nothing of the results being exact.
   */
  @Deprecated(since = "0.2")
  public static SearchOptions progressive(int k) {
    return defaults(k);
  }

  /**
   * The default search at {@code length} bits: exact results.
   *
   * @deprecated use {@link #defaults(int, int)}.
   */
  @Deprecated(since = "0.2")
  public static SearchOptions progressive(int k, int length) {
    return defaults(k, length);
  }

  /**
   * An approximate search through the tables.
   *
   * @deprecated use {@link #approximate(int, long)}, which says the results may be approximate.
   */
  @Deprecated(since = "0.2")
  public static SearchOptions probing(int k, long candidates) {
    return approximate(k, candidates);
  }

  /**
   * A search that runs {@code plan} over the columns.
   *
   * @deprecated use {@link #approximate(ProgressivePlan)}, which says the results may be approximate.
   */
  @Deprecated(since = "0.2")
  public static SearchOptions progressive(ProgressivePlan plan) {
    return approximate(plan);
  }

  /**
   * The same search with its final length settled: {@code length} bits, where the options left it
   * to the spec's longest. Options that name a length already keep it, and must name this one.
   *
   * @throws IllegalArgumentException if {@code length} is not a positive multiple of 8, or the
   *     options name another length
   */
  public SearchOptions withLength(int length) {
    if (length <= 0 || length % 8 != 0) {
      throw new IllegalArgumentException("length must be a positive multiple of 8 bits, got " + length);
    }
    if (this.length != 0) {
      if (this.length != length) {
        throw new IllegalArgumentException("these options search at " + this.length + " bits, not " + length);
      }
      return this;
    }
    return new SearchOptions(mode, k, length, plan, candidates, filter, legacyFilter);
  }

  /**
   * The same search restricted to the ids {@code accepted} accepts (asked per id during the
   * search, never copied: a view over a bit set, a deletion list, another store's filter). Searches
   * combine it with the ids they accept themselves (an index's live ids).
   *
   * <p>(A name of its own: {@code withFilter(null)}, which removes a filter, keeps compiling.)
   *
   * @throws IllegalArgumentException if {@code accepted} is null
   */
  public SearchOptions withAcceptedIds(AcceptedIds accepted) {
    if (accepted == null) {
      throw new IllegalArgumentException("accepted ids are null; options without withAcceptedIds accept every id");
    }
    return new SearchOptions(mode, k, length, plan, candidates, accepted, null);
  }

  /**
   * The same search restricted to the ids set in {@code allowed} (read, not copied: do not change
   * it during a search). {@code null} removes the filter.
   *
   * @deprecated use {@link #withAcceptedIds(AcceptedIds)} with {@link AcceptedIds#of(BitSet)}.
   */
  @Deprecated(since = "0.2")
  public SearchOptions withFilter(BitSet allowed) {
    return new SearchOptions(mode, k, length, plan, candidates, allowed == null ? null : AcceptedIds.of(allowed),
        allowed);
  }

  /** The mode. */
  public Mode mode() {
    return mode;
  }

  /** Number of hits asked for. */
  public int k() {
    return k;
  }

  /** The final length in bits, or empty for the spec's longest. */
  public OptionalInt length() {
    return length == 0 ? OptionalInt.empty() : OptionalInt.of(length);
  }

  /** The plan of a {@link Mode#PLAN} search. */
  public Optional<ProgressivePlan> plan() {
    return Optional.ofNullable(plan);
  }

  /** The candidates of a {@link Mode#PROBE} search. */
  public OptionalLong probeCandidates() {
    return mode == Mode.PROBE ? OptionalLong.of(candidates) : OptionalLong.empty();
  }

  /** The ids the search is restricted to, if any. */
  public Optional<AcceptedIds> acceptedIds() {
    return Optional.ofNullable(filter);
  }

  /**
   * The bit set given to {@link #withFilter(BitSet)}, if that is how the filter was set.
   *
   * @deprecated use {@link #acceptedIds()}, which also reports filters that are not bit sets.
   */
  @Deprecated(since = "0.2")
  public Optional<BitSet> filter() {
    return Optional.ofNullable(legacyFilter);
  }

  /** Whether the results are exact whatever the codes: every mode but a probe or a plan. */
  public boolean exactResults() {
    return mode == Mode.DEFAULT || mode == Mode.EXACT;
  }

  /**
   * The final length over codes of {@code spec}.
   *
   * @throws IllegalArgumentException if it is not one of the spec's lengths
   */
  int length(CodeSpec spec) {
    int len = length == 0 ? spec.maxBits() : length;
    if (!spec.hasLength(len)) {
      throw new IllegalArgumentException("length " + len + " is not one of the code spec's lengths " + spec);
    }
    if (plan != null) {
      plan.checkAgainst(spec);
    }
    return len;
  }

  @Override
  public String toString() {
    return mode.name().toLowerCase(java.util.Locale.ROOT)
        + "(k=" + k
        + (length == 0 ? "" : ", length=" + length)
        + (plan == null ? "" : ", plan=" + plan.stages())
        + (mode == Mode.PROBE ? ", candidates=" + candidates : "")
        + (filter == null ? "" : ", filtered")
        + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SearchOptions s && mode == s.mode && k == s.k && length == s.length
        && java.util.Objects.equals(plan, s.plan) && candidates == s.candidates
        && java.util.Objects.equals(filterKey(), s.filterKey());
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(mode, k, length, plan, candidates, filterKey());
  }

  /** What two equal options filter by: the same accepted ids, or the same deprecated bit set. */
  private Object filterKey() {
    return legacyFilter != null ? legacyFilter : filter;
  }
}
