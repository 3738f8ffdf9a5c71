package dev.nhl.index;

import dev.nhl.index.internal.vectorization.VectorizationProvider;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;

/**
 * Codes laid out by {@link ColumnLayout} in memory that someone else owns (a memory-mapped file
 * of a storage integration, such as a Lucene segment), searchable like a {@link
 * NestedCodeIndex}: ids are the positions {@code 0 .. count-1} of the codes in the columns.
 * Deletions and filters come with each search as a {@link BitSet} of allowed ids ({@link
 * SearchOptions#withFilter}). Thread-safe; valid while the memory is.
 */
public final class ColumnarCodes {

  private final ColumnLayout layout;
  private final int count;
  private final StageSearch searcher;

  private ColumnarCodes(ColumnLayout layout, int count, MemorySegment[] planes) {
    this.layout = layout;
    this.count = count;
    this.searcher =
        new StageSearch(layout, planes, count, null, VectorizationProvider.getInstance().hammingKernel());
  }

  /**
   * Columns of {@code count} codes of {@code spec} in {@code data}, laid out from its first byte
   * as {@link ColumnLayout#planeOffset} says.
   *
   * @throws IllegalArgumentException if {@code data} is shorter than {@link
   *     ColumnLayout#dataBytes} for {@code count} codes, or {@code count} is negative
   */
  public static ColumnarCodes of(CodeSpec spec, int count, MemorySegment data) {
    ColumnLayout layout = ColumnLayout.of(spec);
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative, got " + count);
    }
    long need = layout.dataBytes(count);
    if (data.byteSize() < need) {
      throw new IllegalArgumentException(
          count + " codes of spec " + spec + " take " + need + " bytes, got " + data.byteSize());
    }
    MemorySegment[] planes = new MemorySegment[layout.planes()];
    for (int p = 0; p < planes.length; p++) {
      planes[p] = data.asSlice(layout.planeOffset(p, count), layout.planeBytes(p, count));
    }
    return new ColumnarCodes(layout, count, planes);
  }

  /** Number of codes. */
  public int count() {
    return count;
  }

  /** The code spec. */
  public CodeSpec spec() {
    return layout.spec;
  }

  /**
   * As {@link NestedCodeIndex#search}, over these codes; the plan's default is computed from
   * {@link #count()}.
   */
  public Hits search(byte[] query, SearchOptions options) {
    if (options == null) {
      throw new IllegalArgumentException("search options are null");
    }
    ProgressivePlan plan = options.planFor(layout.spec, count);
    NestedCodeIndex.checkQuery(layout.spec, query, plan.finalLength());
    return searcher.search(query, plan, options.filter());
  }

  /** As {@link NestedCodeIndex#radius}, over these codes. */
  public Hits radius(byte[] query, int length, int radius, BitSet filter) {
    int stage = layout.spec.stageOf(length);
    NestedCodeIndex.checkRadius(length, radius);
    NestedCodeIndex.checkQuery(layout.spec, query, length);
    return searcher.radius(query, stage, radius, filter);
  }
}
