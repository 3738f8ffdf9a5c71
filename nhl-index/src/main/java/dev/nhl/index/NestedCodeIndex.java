package dev.nhl.index;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.List;
import java.util.zip.CRC32C;

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

  static final int VERSION = 3;
  /** The first version, without tables: still read. */
  static final int VERSION_NO_TABLE = 1;
  /** The version with a prefix table: still read, its table unused. */
  static final int VERSION_PREFIX_TABLE = 2;
  private static final byte[] MAGIC = "NHLCODES".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] FOOTER_MAGIC =
      "NHLFOOTR".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  static final int FOOTER_BYTES = 16;

  /**
   * The default of {@link Builder#multiIndexFrom}: below it a scan of every code takes a fraction
   * of a millisecond, and tables would not pay for their memory.
   */
  public static final int DEFAULT_TABLE_FROM = ProgressivePlan.EXACT_UP_TO + 1;
  private static final ValueLayout.OfInt LE_INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong LE_LONG = ColumnLayout.LE_LONG;

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

  /** The same as {@link #hasMultiIndex()}: the tables took the place of the prefix table. */
  public boolean hasPrefixTable() {
    return hasMultiIndex();
  }

  /**
   * Every live code within Hamming distance {@code radius} of {@code query} at {@code length}
   * bits, closest first, ties by increasing id. Exact.
   *
   * @param filter ids allowed, or null for all
   * @throws IllegalArgumentException if the length is not in the spec, the radius is negative or
   *     above the length, or the query is too short
   */
  public Hits radius(byte[] query, int length, int radius, BitSet filter) {
    AcceptedIds live = live();
    return segment.radius(query, length, radius, filter == null ? live : live.and(AcceptedIds.of(filter)));
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
    writeFile(file, spec, size, data, deleted, substrings, tableData);
  }

  private static int headerBytes(int stages, int version, int tables) {
    int tableFields = switch (version) {
      case VERSION_NO_TABLE -> 0;
      case VERSION_PREFIX_TABLE -> 4 + 8 + 8;
      default -> 4 + 8 * tables + 8 + 8;
    };
    return 8 + 4 + 4 + 4 * stages + 8 + 8 + 8 + 8 + tableFields + 4;
  }

  private static void writeFile(Path file, CodeSpec spec, int n, MemorySegment data, DeletedIds deleted,
      List<MultiIndex.Substring> substrings, MemorySegment tableData) throws IOException {
    ColumnLayout layout = new ColumnLayout(spec);
    int m = tableData == null ? 0 : substrings.size();
    int headerBytes = headerBytes(spec.stages(), VERSION, m);
    long dataOffset = ColumnLayout.align(headerBytes);
    long dataBytes = layout.dataBytes(n);
    long tableBytes = tableData == null ? 0 : tableData.byteSize();
    assert tableData == null || tableBytes == MultiIndex.regionBytes(spec, substrings, n);
    long deletedCount = deleted == null ? 0 : deleted.count();
    ByteBuffer header = ByteBuffer.allocate((int) dataOffset).order(ByteOrder.LITTLE_ENDIAN);
    header.put(MAGIC).putInt(VERSION).putInt(spec.stages());
    for (int l : spec.lengths()) {
      header.putInt(l);
    }
    header.putLong(n).putLong(deletedCount).putLong(dataOffset).putLong(dataBytes);
    header.putInt(m);
    for (int t = 0; t < m; t++) {
      header.putInt(substrings.get(t).from()).putInt(substrings.get(t).width());
    }
    header.putLong(m == 0 ? 0 : dataOffset + dataBytes).putLong(tableBytes);
    CRC32C hcrc = new CRC32C();
    hcrc.update(header.array(), 0, header.position());
    header.putInt((int) hcrc.getValue());
    header.position(0);

    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    removeLeftovers(dir, file.getFileName().toString());
    Path tmp = Files.createTempFile(dir, file.getFileName().toString() + ".", ".tmp");
    boolean ok = false;
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      CRC32C crc = new CRC32C();
      writeFully(ch, header, crc);
      // copied through a buffer, one MiB at a time: a slice's ByteBuffer view is capped at 2 GiB
      byte[] buf = new byte[1 << 20];
      copy(ch, data, dataBytes, buf, crc);
      if (tableData != null) {
        copy(ch, tableData, tableBytes, buf, crc);
      }
      if (deletedCount > 0) {
        ByteBuffer bits = ByteBuffer.allocate(deleted.wordCount() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < deleted.wordCount(); i++) {
          bits.putLong(deleted.word(i));
        }
        bits.flip();
        writeFully(ch, bits, crc);
      }
      ByteBuffer footer = ByteBuffer.allocate(FOOTER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      footer.put(FOOTER_MAGIC);
      crc.update(FOOTER_MAGIC);
      footer.putLong(crc.getValue()).flip();
      writeFully(ch, footer, null);
      ch.force(true);
      ok = true;
    } finally {
      if (!ok) {
        Files.deleteIfExists(tmp);
      }
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    // the rename itself made durable, as Lucene syncs its directory after a commit
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // some file systems cannot sync a directory; the file itself is synced
    }
  }

  /** Temporary files of earlier writes of {@code name} that a crash left behind. */
  private static void removeLeftovers(Path dir, String name) throws IOException {
    try (var files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String n = f.getFileName().toString();
        if (n.length() > name.length() + 5 && n.startsWith(name + ".") && n.endsWith(".tmp")
            && n.substring(name.length() + 1, n.length() - 4).chars().allMatch(Character::isDigit)) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  private static void copy(FileChannel ch, MemorySegment from, long bytes, byte[] buf, CRC32C crc) throws IOException {
    for (long off = 0; off < bytes; off += buf.length) {
      int len = (int) Math.min(buf.length, bytes - off);
      MemorySegment.copy(from, ValueLayout.JAVA_BYTE, off, buf, 0, len);
      writeFully(ch, ByteBuffer.wrap(buf, 0, len), crc);
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf, CRC32C crc) throws IOException {
    if (crc != null) {
      crc.update(buf.duplicate());
    }
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
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
      NestedCodeIndex index = parse(file, seg, fileSize, verifyChecksum, arena);
      ok = true;
      return index;
    } finally {
      if (!ok) {
        arena.close();
      }
    }
  }

  private static NestedCodeIndex parse(Path file, MemorySegment seg, long fileSize, boolean verify, Arena arena)
      throws CorruptIndexFileException {
    if (fileSize < 16 + FOOTER_BYTES) {
      throw new CorruptIndexFileException("file has " + fileSize + " bytes, too short for an nhl code index", file);
    }
    byte[] magic = seg.asSlice(0, 8).toArray(ValueLayout.JAVA_BYTE);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new CorruptIndexFileException("not an nhl code index: bad magic", file);
    }
    int version = seg.get(LE_INT, 8);
    if (version < VERSION_NO_TABLE || version > VERSION) {
      throw new CorruptIndexFileException(
          "unsupported format version " + version + "; this build reads versions " + VERSION_NO_TABLE
              + " to " + VERSION, file);
    }
    int stages = seg.get(LE_INT, 12);
    if (stages < 1 || stages > CodeSpec.MAX_STAGES) {
      throw new CorruptIndexFileException("invalid stage count " + stages, file);
    }
    int tableCount = 0;
    if (version >= VERSION) {
      long at = 16 + 4L * stages + 32;
      if (fileSize < at + 4) {
        throw new CorruptIndexFileException("file has " + fileSize + " bytes, shorter than its header", file);
      }
      tableCount = seg.get(LE_INT, at);
      if (tableCount < 0 || tableCount > CodeSpec.MAX_BITS) {
        throw new CorruptIndexFileException("invalid table count " + tableCount, file);
      }
    }
    int headerBytes = headerBytes(stages, version, tableCount);
    if (fileSize < headerBytes + FOOTER_BYTES) {
      throw new CorruptIndexFileException("file has " + fileSize + " bytes, shorter than its header", file);
    }
    CRC32C hcrc = new CRC32C();
    hcrc.update(seg.asSlice(0, headerBytes - 4).asByteBuffer());
    if ((int) hcrc.getValue() != seg.get(LE_INT, headerBytes - 4)) {
      throw new CorruptIndexFileException("header checksum mismatch", file);
    }
    int[] lengths = new int[stages];
    for (int i = 0; i < stages; i++) {
      lengths[i] = seg.get(LE_INT, 16 + 4L * i);
    }
    CodeSpec spec;
    try {
      spec = CodeSpec.of(lengths);
    } catch (IllegalArgumentException e) {
      throw new CorruptIndexFileException("invalid code spec in header: " + e.getMessage(), file);
    }
    long at = 16 + 4L * stages;
    long n = seg.get(LE_LONG, at);
    long deletedCount = seg.get(LE_LONG, at + 8);
    long dataOffset = seg.get(LE_LONG, at + 16);
    long dataBytes = seg.get(LE_LONG, at + 24);
    ColumnLayout layout = new ColumnLayout(spec);
    if (n < 0 || n > Integer.MAX_VALUE || deletedCount < 0 || deletedCount > n) {
      throw new CorruptIndexFileException("invalid counts: " + n + " codes, " + deletedCount + " deleted", file);
    }
    if (dataOffset != ColumnLayout.align(headerBytes) || dataBytes != layout.dataBytes(n)) {
      throw new CorruptIndexFileException(
          "data region at " + dataOffset + " of " + dataBytes + " bytes does not match "
              + n + " codes of spec " + spec, file);
    }
    List<MultiIndex.Substring> substrings = new java.util.ArrayList<>();
    long tableOffset = 0;
    long tableBytes = 0;
    if (version == VERSION_PREFIX_TABLE) {
      int keyBits = seg.get(LE_INT, at + 32);
      tableOffset = seg.get(LE_LONG, at + 36);
      tableBytes = seg.get(LE_LONG, at + 44);
      // the records of a prefix table: the code, then its id, after 2^b + 1 bucket starts
      long expected = keyBits == 0 ? 0
          : ColumnLayout.align(4L * ((1L << Math.min(keyBits, 30)) + 1)) + n * (spec.maxBytes() + 4L);
      if (keyBits == 0 ? tableOffset != 0 || tableBytes != 0
          : keyBits < 0 || keyBits > Math.min(16, spec.maxBits()) || n == 0
              || tableOffset != dataOffset + dataBytes || tableBytes != expected) {
        throw new CorruptIndexFileException(
            "prefix table of " + keyBits + " key bits at " + tableOffset + " of " + tableBytes
                + " bytes does not match " + n + " codes of spec " + spec, file);
      }
    } else if (version >= VERSION) {
      long p = at + 36;
      try {
        for (int t = 0; t < tableCount; t++) {
          substrings.add(new MultiIndex.Substring(seg.get(LE_INT, p), seg.get(LE_INT, p + 4)));
          p += 8;
        }
        if (tableCount > 0) {
          MultiIndex.checkSubstrings(spec, substrings);
        }
      } catch (IllegalArgumentException e) {
        throw new CorruptIndexFileException("invalid multi-index substrings: " + e.getMessage(), file);
      }
      tableOffset = seg.get(LE_LONG, p);
      tableBytes = seg.get(LE_LONG, p + 8);
      if (tableCount == 0 ? tableOffset != 0 || tableBytes != 0
          : n == 0 || tableOffset != dataOffset + dataBytes
              || tableBytes != MultiIndex.regionBytes(spec, substrings, n)) {
        throw new CorruptIndexFileException(
            tableCount + " multi-index tables at " + tableOffset + " of " + tableBytes
                + " bytes do not match " + n + " codes of spec " + spec, file);
      }
    }
    long deletedWords = deletedCount > 0 ? (n + 63) >>> 6 : 0;
    long expected = dataOffset + dataBytes + tableBytes + 8 * deletedWords + FOOTER_BYTES;
    if (fileSize != expected) {
      throw new CorruptIndexFileException(
          "file has " + fileSize + " bytes, its header implies " + expected
              + (fileSize < expected ? " (truncated)" : " (trailing bytes)"), file);
    }
    long footerAt = fileSize - FOOTER_BYTES;
    if (!java.util.Arrays.equals(seg.asSlice(footerAt, 8).toArray(ValueLayout.JAVA_BYTE), FOOTER_MAGIC)) {
      throw new CorruptIndexFileException("bad footer magic", file);
    }
    if (verify) {
      CRC32C crc = new CRC32C();
      long end = fileSize - 8;
      for (long off = 0; off < end; off += 1 << 30) {
        crc.update(seg.asSlice(off, Math.min(1 << 30, end - off)).asByteBuffer());
      }
      long stored = seg.get(LE_LONG, end);
      if (crc.getValue() != stored) {
        throw new CorruptIndexFileException(
            "checksum mismatch: stored " + Long.toHexString(stored) + ", computed "
                + Long.toHexString(crc.getValue()), file);
      }
    }
    DeletedIds deleted = new DeletedIds(n);
    if (deletedWords > 0) {
      long[] words = seg.asSlice(dataOffset + dataBytes + tableBytes, 8 * deletedWords)
          .toArray(LE_LONG);
      if ((n & 63) != 0 && (words[words.length - 1] >>> (n & 63)) != 0) {
        throw new CorruptIndexFileException("deletion bits set past the last code", file);
      }
      long c = deleted.load(words);
      if (c != deletedCount) {
        throw new CorruptIndexFileException(
            "header says " + deletedCount + " deleted codes, the bitset has " + c, file);
      }
    }
    if (version == VERSION_PREFIX_TABLE && tableBytes > 0) {
      checkPrefixTable(seg.asSlice(tableOffset, tableBytes), seg.get(LE_INT, at + 32), n, file);
    }
    MemorySegment tableData = substrings.isEmpty() ? null : seg.asSlice(tableOffset, tableBytes);
    try {
      return new NestedCodeIndex(spec, (int) n, seg.asSlice(dataOffset, dataBytes), deleted, arena, substrings, tableData);
    } catch (IllegalArgumentException e) {
      throw new CorruptIndexFileException("invalid multi-index tables: " + e.getMessage(), file);
    }
  }

  /** A version 2 prefix table is not used, but a broken one still marks a damaged file. */
  private static void checkPrefixTable(MemorySegment table, int keyBits, long n, Path file)
      throws CorruptIndexFileException {
    int prev = table.get(LE_INT, 0);
    for (int key = 1; key <= 1 << keyBits && prev >= 0; key++) {
      int v = table.get(LE_INT, 4L * key);
      prev = v < prev || v > n ? -1 : v;
    }
    if (prev != n) {
      throw new CorruptIndexFileException("invalid prefix table: its bucket starts do not run from 0 to " + n, file);
    }
  }

  // ---------------------------------------------------------------- builder

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

    /** The same as {@link #multiIndexFrom}: the tables took the place of the prefix table. */
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
      MultiIndex.write(spec, substrings, size, rows(), (b, off, len) -> {
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
        writeFile(file, spec, size, data.asSlice(0, layout.dataBytes(size)), null, substrings, table);
      }
    }
  }
}
