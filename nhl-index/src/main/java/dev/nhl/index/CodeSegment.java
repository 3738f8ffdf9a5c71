package dev.nhl.index;

import dev.nhl.index.internal.vectorization.VectorizationProvider;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The codes of one segment, read-only: their columns ({@link ColumnLayout}) and, for large
 * segments, their {@link MultiIndex multi-index tables}, over memory that someone else owns (a
 * {@link NestedCodeIndex}, a memory-mapped file of a storage integration such as a Lucene segment).
 * Ids are the ordinals {@code 0 .. count-1} of the codes in the columns.
 *
 * <p>{@link #search} is the one place that decides how a search runs, for the standalone index and
 * for every Lucene segment alike:
 *
 * <ul>
 *   <li>so few accepted ids that visiting them one by one beats reading every code: the accepted
 *       ids' codes are gathered from the columns and ranked, exactly;
 *   <li>{@link SearchOptions.Mode#DEFAULT} and {@link SearchOptions.Mode#EXACT}: the multi-index
 *       tables, as long as the work they are expected to need, re-estimated as the search learns
 *       the distance of the k-th neighbour, stays below the cost of scanning the columns; the
 *       column scan otherwise (starting from what the tables found). Both are exact, ties
 *       included;
 *   <li>{@link SearchOptions.Mode#PROBE}: the tables until the asked number of codes was ranked
 *       (approximate); exact without tables;
 *   <li>{@link SearchOptions.Mode#PLAN}: the plan, over the columns.
 * </ul>
 *
 * Thread-safe; valid while the memory is.
 */
public final class CodeSegment {

  private final CodeSpec spec;
  private final ColumnLayout layout;
  private final int count;
  private final MemorySegment data;
  private final StageSearch columns;
  private final MultiIndex tables; // null: none

  private CodeSegment(CodeSpec spec, int count, MemorySegment data, MultiIndex tables) {
    this.spec = spec;
    this.layout = ColumnLayout.of(spec);
    this.count = count;
    this.data = data;
    this.tables = tables;
    MemorySegment[] planes = new MemorySegment[layout.planes()];
    for (int p = 0; p < planes.length; p++) {
      planes[p] = data.asSlice(layout.planeOffset(p, count), layout.planeBytes(p, count));
    }
    this.columns = new StageSearch(layout, planes, count, VectorizationProvider.getInstance().hammingKernel());
  }

  /**
   * The codes in {@code columnData}, laid out from its first byte as {@link ColumnLayout} says,
   * without tables.
   *
   * @throws IllegalArgumentException if {@code columnData} is shorter than {@link
   *     ColumnLayout#dataBytes} for {@code count} codes, or {@code count} is negative
   */
  public static CodeSegment of(CodeSpec spec, int count, MemorySegment columnData) {
    return new CodeSegment(spec, checkColumns(spec, count, columnData), columnData, null);
  }

  /**
   * The codes in {@code columnData} with their multi-index tables.
   *
   * @throws IllegalArgumentException as {@link #of(CodeSpec, int, MemorySegment)}, or if the
   *     tables are of another spec or count
   */
  public static CodeSegment of(CodeSpec spec, int count, MemorySegment columnData, MultiIndex tables) {
    if (tables == null) {
      throw new IllegalArgumentException("tables are null; use CodeSegment.of(spec, count, columnData)");
    }
    if (tables.count() != count) {
      throw new IllegalArgumentException("tables of " + tables.count() + " codes for a segment of " + count);
    }
    return new CodeSegment(spec, checkColumns(spec, count, columnData), columnData, tables);
  }

  /**
   * A segment over copies of {@code codes}, in memory, without tables: for storage that cannot
   * hand over its columns (values of another codec, for one).
   *
   * @throws IllegalArgumentException if a code does not have the spec's longest length
   */
  public static CodeSegment copyOf(CodeSpec spec, List<byte[]> codes) {
    for (byte[] c : codes) {
      Codes.checkCode(c, spec);
    }
    int n = codes.size();
    MemorySegment data = ColumnWriter.inMemory(ColumnLayout.of(spec), n, visitor -> {
      for (int i = 0; i < n; i++) {
        visitor.visit(i, codes.get(i), 0);
      }
    });
    return new CodeSegment(spec, n, data, null);
  }

  private static int checkColumns(CodeSpec spec, int count, MemorySegment data) {
    if (spec == null || data == null) {
      throw new IllegalArgumentException("spec and column data must not be null");
    }
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative, got " + count);
    }
    long need = ColumnLayout.of(spec).dataBytes(count);
    if (data.byteSize() < need) {
      throw new IllegalArgumentException(
          count + " codes of spec " + spec + " take " + need + " bytes, got " + data.byteSize());
    }
    return count;
  }

  /** Number of codes. */
  public int count() {
    return count;
  }

  /** The code spec. */
  public CodeSpec spec() {
    return spec;
  }

  /** The multi-index tables, if the segment has them. */
  public Optional<MultiIndex> tables() {
    return Optional.ofNullable(tables);
  }

  /**
   * The full code of ordinal {@code ord}.
   *
   * @throws IllegalArgumentException if {@code ord} is out of range
   */
  public byte[] code(int ord) {
    if (ord < 0 || ord >= count) {
      throw new IllegalArgumentException("ordinal " + ord + " is out of range [0, " + count + ")");
    }
    return layout.readCode(data, count, ord);
  }

  /**
   * The {@code options.k()} accepted codes nearest to {@code query} at the options' final length,
   * closest first, ties by increasing ordinal; the options' own filter, if any, applies as well.
   * How the search runs is decided here, as the class documentation says.
   *
   * @param accept the ordinals that may be returned, never null ({@link AcceptedIds#all})
   * @throws IllegalArgumentException if the query does not fit the spec or the length is not one
   *     of the spec's
   */
  public Hits search(byte[] query, SearchOptions options, AcceptedIds accept) {
    return search(query, options, accept, Integer.MAX_VALUE);
  }

  /**
   * As {@link #search(byte[], SearchOptions, AcceptedIds)}, for a search that needs no hit farther
   * than {@code maxDistance}: the k-th distance other segments of the same index already found, so
   * that the default and exact searches may stop at it (they return fewer than k hits when fewer
   * lie within it). Plans and probes ignore it.
   *
   * @throws IllegalArgumentException as the other form, or if {@code maxDistance} is negative
   */
  public Hits search(byte[] query, SearchOptions options, AcceptedIds accept, int maxDistance) {
    if (maxDistance < 0) {
      throw new IllegalArgumentException("the largest distance needed must not be negative, got " + maxDistance);
    }
    if (options == null || accept == null) {
      throw new IllegalArgumentException(
          (options == null ? "search options" : "accepted ids") + " are null; use AcceptedIds.all(n) for no filter");
    }
    int length = options.length(spec);
    checkQuery(spec, query, length);
    AcceptedIds acc = options.acceptedIds().map(accept::and).orElse(accept);
    int k = options.k();
    return switch (options.mode()) {
      case PLAN -> columns.search(query, options.plan().orElseThrow(), acc);
      case PROBE -> {
        MultiIndex.Query q = usableTables(query, length, acc);
        if (q == null) {
          yield exact(query, length, k, acc, Integer.MAX_VALUE);
        }
        double share = Math.max(1e-9, Math.min(1.0, acc.estimatedCount() / (double) Math.max(1, count)));
        long min = (long) Math.min(Long.MAX_VALUE / 2, Math.ceil(options.probeCandidates().orElseThrow() / share));
        yield probe(q, k, acc, min, Double.POSITIVE_INFINITY, length).hits;
      }
      case DEFAULT, EXACT -> exact(query, length, k, acc, maxDistance);
    };
  }

  /** The tables prepared for a query at {@code length}, or null when they cannot serve it. */
  private MultiIndex.Query usableTables(byte[] query, int length, AcceptedIds acc) {
    if (tables == null || columns.sparse(acc)) {
      return null;
    }
    MultiIndex.Query q = tables.prepare(query, length);
    return q.tables > 0 ? q : null;
  }

  private Hits exact(byte[] query, int length, int k, AcceptedIds acc, int maxDistance) {
    ProgressivePlan plan = ProgressivePlan.exact(length, k);
    MultiIndex.Query q = usableTables(query, length, acc);
    if (q == null) {
      return columns.search(query, plan, acc, maxDistance);
    }
    Probe p = probe(q, k, acc, Long.MAX_VALUE, scanCost(length), Math.min(maxDistance, length));
    if (p.hits != null) {
      return p.hits;
    }
    Hits scan = columns.search(query, plan, acc, Math.min(maxDistance, p.worst));
    List<Hits.StageStats> stages = new ArrayList<>(p.stages);
    stages.addAll(scan.stages());
    return new Hits(scan.ids(), scan.distances(), stages);
  }

  /** What probing the tables gave: the hits, or null with what it spent and the bound it found. */
  private record Probe(Hits hits, List<Hits.StageStats> stages, int worst) {}

  /** Probes the tables for hits at distance {@code maxDistance} or less. */
  private Probe probe(MultiIndex.Query q, int k, AcceptedIds acc, long minCandidates, double maxCost, int maxDistance) {
    long t0 = System.nanoTime();
    TopCollector top = TopCollector.unordered(k, q.length, maxDistance);
    MultiIndex.Work work = new MultiIndex.Work();
    boolean done = tables.search(q, acc, top, minCandidates, maxCost, CostModel.BUCKET, CostModel.CANDIDATE, work);
    long bytes = work.candidates * tables.bytesPerCandidate() + 8 * work.buckets;
    if (done) {
      Hits h = top.finishRanked(List.of());
      List<Hits.StageStats> st = List.of(new Hits.StageStats(q.length, work.candidates, h.size(), System.nanoTime() - t0, bytes));
      return new Probe(new Hits(h.ids(), h.distances(), st), st, 0);
    }
    List<Hits.StageStats> st = List.of(new Hits.StageStats(q.length, work.candidates, 0, System.nanoTime() - t0, bytes));
    return new Probe(null, st, top.worst());
  }

  /** The expected cost of scanning every code through {@code length} bits. */
  double scanCost(int length) {
    return CostModel.scan(count, length);
  }

  /**
   * Every accepted code within Hamming distance {@code radius} of {@code query} at {@code length}
   * bits, closest first, ties by increasing ordinal. Exact: the tables are probed to {@code
   * floor(radius / m)} when that is expected to cost less than a scan of the columns.
   *
   * @param accept the ordinals that may be returned, never null
   * @throws IllegalArgumentException if the length is not in the spec, the radius is outside
   *     {@code [0, length]}, or the query does not fit
   */
  public Hits radius(byte[] query, int length, int radius, AcceptedIds accept) {
    if (accept == null) {
      throw new IllegalArgumentException("accepted ids are null; use AcceptedIds.all(n) for no filter");
    }
    int stage = spec.stageOf(length);
    if (radius < 0 || radius > length) {
      throw new IllegalArgumentException(
          "radius must be in [0, " + length + "] at length " + length + ", got " + radius);
    }
    checkQuery(spec, query, length);
    MultiIndex.Query q = usableTables(query, length, accept);
    if (q != null) {
      double[] w = tables.radiusWork(q, radius);
      if (CostModel.tables(w[0], w[1]) < scanCost(length)) {
        long t0 = System.nanoTime();
        RadiusCollector out = new RadiusCollector(radius);
        MultiIndex.Work work = new MultiIndex.Work();
        tables.radius(q, radius, accept, out, work);
        long bytes = work.candidates * tables.bytesPerCandidate() + 8 * work.buckets;
        return out.ranked(List.of(new Hits.StageStats(length, work.candidates, out.size(), System.nanoTime() - t0, bytes)));
      }
    }
    return columns.radius(query, stage, radius, accept);
  }

  static void checkQuery(CodeSpec spec, byte[] query, int length) {
    if (query == null || query.length < length / 8 || query.length > spec.maxBytes()) {
      throw new IllegalArgumentException(
          "query code must have between " + length / 8 + " and " + spec.maxBytes()
              + " bytes for a search at " + length + " bits of spec " + spec + ", got "
              + (query == null ? "null" : query.length + " bytes"));
    }
  }

  @Override
  public String toString() {
    return "CodeSegment(spec=" + spec + ", count=" + count
        + (tables == null ? "" : ", multi-index tables " + tables.substrings()) + ")";
  }
}
