package dev.nhl.index;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.List;

/**
 * An immutable set of nested codes, stored column-wise by prefix increment, searchable exactly, by
 * radius, and progressively. Ids are the order in which codes were added: {@code 0 .. size()-1}.
 * Codes can be marked deleted; searches that start after {@link #delete} returns skip them.
 * Searches are thread-safe and may run concurrently with each other and with deletes.
 *
 * <p>Sets that fit in memory are built in memory ({@link Builder#build()}); large ones are written once with
 * {@link #write} or {@link Builder#write} and {@link #open opened} as a memory-mapped file, without
 * copying. A mapped index holds the mapping until {@link #close()}.
 *
 * <p>An index of many codes (by default more than {@value ProgressivePlan#EXACT_UP_TO}; see
 * {@link Builder#multiIndexFrom}) also holds {@link MultiIndex multi-index tables}, which make its
 * exact searches sublinear where the codes allow it ({@link CodeSegment#search} decides).
 *
 * <h2>File format, version 3</h2>
 *
 * All integers little-endian.
 *
 * <pre>
 * header   magic "NHLCODES" (8 bytes), version int32 = 3,
 *          stage count int32 n (1..64), n x length int32 (bits),
 *          code count int64 N, deleted count int64 D,
 *          data offset int64 (multiple of 64), data length int64,
 *          table count int32 m (0: no tables), m x (first bit int32, width int32),
 *          tables offset int64, tables length int64,
 *          header CRC32C int32 (of the header bytes before it)
 * padding  zeros up to the data offset
 * data     the planes of {@code ColumnLayout}: for each increment [L(s-1), Ls) of the spec, its
 *          bytes split into planes of 8-, 4-, 2-, then 1-byte words (widest first); plane p holds
 *          word p of code 0, code 1, ... code N-1 (N x w bytes), zero-padded to a multiple of 64
 * tables   only when m &gt; 0, right after the data: the region of {@link MultiIndex} for the N
 *          codes and the m substrings
 * deleted  only when D &gt; 0: ceil(N / 64) int64 words, bit (id % 64) of word (id / 64) set
 *          for a deleted id
 * footer   magic "NHLFOOTR" (8 bytes), CRC32C int64 of every byte before this field
 * </pre>
 *
 * Earlier versions are read as well: version 1 has no table fields; version 2 has, in their
 * place, key bits int32, table offset int64 and table length int64 of a prefix table (codes
 * bucketed by their first bits) between the data and the deletions, which is checked and then
 * left unused: such an index is searched through its columns until it is written again.
 * A file is written to a temporary name beside its target, forced to disk, then moved into place
 * atomically, so a crash never leaves a half-written file under the target's name. {@link #open}
 * checks the header checksum, that the file's size is exactly what the header implies (a
 * truncated or extended file is rejected) and, unless told otherwise, the whole-file checksum.
 */
public final class NestedCodeIndex implements AutoCloseable {

  /**
   * The default of {@link Builder#multiIndexFrom}: below it a scan of every code takes a fraction
   * of a millisecond, and tables would not pay for their memory.
   */
  public static final int DEFAULT_TABLE_FROM = ProgressivePlan.EXACT_UP_TO + 1;
  private final CodeSpec spec;
  private final ColumnLayout layout;
  private final int size;
  private final MemorySegment data;
  private final DeletedIds deleted;
  private final Arena arena; // null in memory
  private final List<MultiIndex.Substring> substrings; // empty: no tables
  private final MemorySegment tableData; // null: no tables
  private final CodeSegment segment;

  private NestedCodeIndex(CodeSpec spec, int size, MemorySegment data, DeletedIds deleted, Arena arena,
      List<MultiIndex.Substring> substrings, MemorySegment tableData) {
    this.spec = spec;
    this.layout = new ColumnLayout(spec);
    this.size = size;
    this.data = data;
    this.deleted = deleted;
    this.arena = arena;
    this.substrings = List.copyOf(substrings);
    this.tableData = tableData;
    this.segment = tableData == null
        ? CodeSegment.of(spec, size, data)
        : CodeSegment.of(spec, size, data, MultiIndex.of(spec, size, substrings, tableData));
  }

  /** A builder of an in-memory index or an index file for codes of {@code spec}. */
  public static Builder builder(CodeSpec spec) {
    if (spec == null) {
      throw new IllegalArgumentException("code spec is null");
    }
    return new Builder(spec);
  }

  /** The code spec. */
  public CodeSpec spec() {
    return spec;
  }

  /** Number of codes, deleted ones included; ids run from 0 to {@code size() - 1}. */
  public int size() {
    return size;
  }

  /** Number of codes not deleted. */
  public long liveCount() {
    return size - deleted.count();
  }

  /**
   * The full code of {@code id}.
   *
   * @throws IllegalArgumentException if the id is out of range
   */
  public byte[] code(int id) {
    checkId(id);
    return layout.readCode(data, size, id);
  }

  /**
   * Marks {@code id} deleted: searches that start after this returns never return it.
   *
   * @return false if it was deleted already
   * @throws IllegalArgumentException if the id is out of range
   */
  public boolean delete(int id) {
    checkId(id);
    return deleted.add(id);
  }

  /** Whether {@code id} is deleted. */
  public boolean isDeleted(int id) {
    checkId(id);
    return deleted.contains(id);
  }

  private void checkId(int id) {
    if (id < 0 || id >= size) {
      throw new IllegalArgumentException("id " + id + " is out of range [0, " + size + ")");
    }
  }

  /**
   * The {@code options.k()} live codes nearest to {@code query} by Hamming distance at the final
   * length, closest first, ties by increasing id. The default and exact searches are exact;
   * {@link CodeSegment#search} says how each mode runs.
   *
   * @param query a code of the spec's longest length, or at least of the final length
   * @throws IllegalArgumentException if the query is too short or too long, or the options name a
   *     length that is not in the spec
   */
  public Hits search(byte[] query, SearchOptions options) {
    if (options == null) {
      throw new IllegalArgumentException("search options are null");
    }
    return segment.search(query, options, live());
  }

  /** The ids not deleted when the search starts, as a view over the deletion bits. */
  private AcceptedIds live() {
    long deletedCount = deleted.count();
    if (deletedCount == 0) {
      return AcceptedIds.all(size);
    }
    long liveCount = size - deletedCount;
    return new AcceptedIds() {
      @Override
      public boolean accept(int id) {
        return !deleted.contains(id);
      }

      @Override
      public long estimatedCount() {
        return liveCount;
      }
    };
  }

  /** The codes as a segment; its searches see no deletions. */
  CodeSegment segment() {
    return segment;
  }

  /** Whether this index has multi-index tables. */
  public boolean hasMultiIndex() {
    return tableData != null;
  }

  /**
   * The same as {@link #hasMultiIndex()}: the tables took the place of the prefix table.
   *
   * @deprecated use {@link #hasMultiIndex()}.
   */
  @Deprecated(since = "0.2")
  public boolean hasPrefixTable() {
    return hasMultiIndex();
  }

  /**
   * Every live code within Hamming distance {@code radius} of {@code query} at {@code length}
   * bits, closest first, ties by increasing id. Exact.
   *
   * @throws IllegalArgumentException if the length is not in the spec, the radius is negative or
   *     above the length, or the query is too short
   */
  public Hits radius(byte[] query, int length, int radius) {
    return segment.radius(query, length, radius, live());
  }

  /**
   * The same as {@link #radius(byte[], int, int)}, among the ids {@code accepted} accepts. (A name
   * of its own: {@code radius(query, length, radius, null)} keeps meaning every id.)
   *
   * @throws IllegalArgumentException as {@link #radius(byte[], int, int)}, or if {@code accepted} is null
   */
  public Hits radiusAmong(byte[] query, int length, int radius, AcceptedIds accepted) {
    if (accepted == null) {
      throw new IllegalArgumentException("accepted ids are null; use radius(query, length, radius) for every id");
    }
    return segment.radius(query, length, radius, live().and(accepted));
  }

  /**
   * The same as {@link #radius(byte[], int, int)}, among the ids set in {@code filter} (null for all).
   *
   * @deprecated use {@link #radiusAmong(byte[], int, int, AcceptedIds)} with {@link AcceptedIds#of(BitSet)},
   *     or {@link #radius(byte[], int, int)}.
   */
  @Deprecated(since = "0.2")
  public Hits radius(byte[] query, int length, int radius, BitSet filter) {
    return filter == null ? radius(query, length, radius) : radiusAmong(query, length, radius, AcceptedIds.of(filter));
  }

  /** Releases a mapped file; an in-memory index ignores it (the collector frees it). */
  @Override
  public void close() {
    if (arena != null) {
      arena.close();
    }
  }

  @Override
  public String toString() {
    return "NestedCodeIndex(spec=" + spec + ", size=" + size + ", deleted=" + deleted.count()
        + (tableData == null ? "" : ", multi-index tables " + substrings)
        + (arena == null ? ", in memory)" : ", mapped)");
  }

  // ---------------------------------------------------------------- file format

  /**
   * Writes this index, with its current deletions and its tables if it has them, to {@code
   * file} (replaced atomically: written to a temporary file beside it, synced, then moved into
   * place, so that a reader or a crash finds the old file or the new one, never a mix). A
   * process killed while writing can leave its temporary file ({@code <file>.<digits>.tmp});
   * the next write of the same file removes such leftovers. One writer a file at a time.
   *
   * @throws IOException if writing fails; the target is then left as it was
   */
  public void write(Path file) throws IOException {
    IndexFileWriter.write(file, new IndexFileFormat.Contents(spec, size, data, deleted, substrings, tableData));
  }

  /** Opens an index file, verifying its whole-file checksum first. */
  public static NestedCodeIndex open(Path file) throws IOException {
    return open(file, true);
  }

  /**
   * Opens an index file by mapping it into memory.
   *
   * @param verifyChecksum whether to read every byte once to check the whole-file checksum (the
   *     header checksum, magic numbers and the exact file size are always checked)
   * @throws CorruptIndexFileException if the file is not a valid index of this format version
   * @throws IOException if the file cannot be read
   */
  public static NestedCodeIndex open(Path file, boolean verifyChecksum) throws IOException {
    Arena arena = Arena.ofShared();
    boolean ok = false;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = ch.size();
      MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, arena);
      IndexFileFormat.Contents c = IndexFileReader.read(file, seg, fileSize, verifyChecksum);
      NestedCodeIndex index;
      try {
        index = new NestedCodeIndex(c.spec(), c.size(), c.data(), c.deleted(), arena, c.substrings(), c.tableData());
      } catch (IllegalArgumentException e) {
        throw new CorruptIndexFileException("invalid multi-index tables: " + e.getMessage(), file);
      }
      ok = true;
      return index;
    } finally {
      if (!ok) {
        arena.close();
      }
    }
  }

  /**
   * Collects codes, then builds an in-memory index or writes an index file. Not thread-safe.
   */
  public static final class Builder {
    private static final int CHUNK_CODES = 1 << 16;
    private final CodeSpec spec;
    private final int codeBytes;
    private final java.util.List<byte[]> chunks = new java.util.ArrayList<>();
    private int size;
    private int tableFrom = DEFAULT_TABLE_FROM;

    private Builder(CodeSpec spec) {
      this.spec = spec;
      this.codeBytes = spec.maxBytes();
    }

    /**
     * Adds a code of the spec's longest length; returns its id.
     *
     * @throws IllegalArgumentException if the code has another length
     * @throws IllegalStateException if the index already holds {@code Integer.MAX_VALUE - 8} codes
     */
    public int add(byte[] code) {
      Codes.checkCode(code, spec);
      if (size == Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("an index holds at most " + (Integer.MAX_VALUE - 8) + " codes");
      }
      int in = size % CHUNK_CODES;
      if (in == 0) {
        chunks.add(new byte[CHUNK_CODES * codeBytes]);
      }
      System.arraycopy(code, 0, chunks.getLast(), in * codeBytes, codeBytes);
      return size++;
    }

    /** Number of codes added. */
    public int size() {
      return size;
    }

    /**
     * From how many codes {@link #build} and {@link #write} add multi-index tables: by default
     * {@value NestedCodeIndex#DEFAULT_TABLE_FROM}; {@link Integer#MAX_VALUE} for never. For
     * 128-bit codes the tables take about 40 bytes a code (each code's row, and its id in each of
     * about six tables), plus 4 bytes a bucket.
     *
     * @return this builder
     * @throws IllegalArgumentException if {@code codes} is below 1
     */
    public Builder multiIndexFrom(int codes) {
      if (codes < 1) {
        throw new IllegalArgumentException("multi-index threshold must be at least 1 code, got " + codes);
      }
      this.tableFrom = codes;
      return this;
    }

    /**
     * The same as {@link #multiIndexFrom}: the tables took the place of the prefix table.
     *
     * @deprecated use {@link #multiIndexFrom}.
     */
    @Deprecated(since = "0.2")
    public Builder prefixTableFrom(int codes) {
      return multiIndexFrom(codes);
    }

    /** The tables' substrings, none below the threshold or for codes too long for tables. */
    private List<MultiIndex.Substring> substrings() {
      return size > 0 && size >= tableFrom ? MultiIndex.substrings(spec, size) : List.of();
    }

    /** Writes the tables into {@code out}, of {@link MultiIndex#regionBytes} bytes. */
    private MemorySegment tables(MemorySegment out, List<MultiIndex.Substring> substrings) throws IOException {
      long[] at = {0};
      MultiIndexWriter.write(spec, substrings, size, rows(), (b, off, len) -> {
        MemorySegment.copy(b, off, out, ValueLayout.JAVA_BYTE, at[0], len);
        at[0] += len;
      }, 1 << 24);
      return out;
    }

    private MultiIndex.CodeSource rows() {
      return visitor -> {
        for (int i = 0; i < size; i++) {
          visitor.visit(i, chunks.get(i / CHUNK_CODES), (i % CHUNK_CODES) * codeBytes);
        }
      };
    }

    /**
     * An in-memory index of the codes added so far. Its columns live off the Java heap, in memory
     * the garbage collector frees when the index is unreachable.
     */
    public NestedCodeIndex build() {
      ColumnLayout layout = new ColumnLayout(spec);
      MemorySegment data = ColumnWriter.inMemory(layout, size, rows());
      List<MultiIndex.Substring> substrings = substrings();
      MemorySegment table = null;
      if (!substrings.isEmpty()) {
        try {
          table = tables(Arena.ofAuto().allocate(MultiIndex.regionBytes(spec, substrings, size), ColumnLayout.ALIGN),
              substrings);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e); // memory sinks do not throw
        }
      }
      return new NestedCodeIndex(spec, size, data, new DeletedIds(size), null, substrings, table);
    }

    /**
     * Writes the codes added so far to an index file (replaced atomically), without building an in-memory
     * index.
     */
    public void write(Path file) throws IOException {
      ColumnLayout layout = new ColumnLayout(spec);
      try (Arena a = Arena.ofConfined()) {
        MemorySegment data = a.allocate(Math.max(1, layout.dataBytes(size)), ColumnLayout.ALIGN);
        List<MultiIndex.Substring> substrings = substrings();
        MemorySegment table = substrings.isEmpty() ? null
            : tables(a.allocate(MultiIndex.regionBytes(spec, substrings, size), ColumnLayout.ALIGN), substrings);
        ColumnWriter.into(data, layout, size, rows());
        IndexFileWriter.write(file, new IndexFileFormat.Contents(spec, size, data.asSlice(0, layout.dataBytes(size)), null,
            substrings, table));
      }
    }
  }
}
