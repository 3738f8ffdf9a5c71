package dev.nhl.index;

import static dev.nhl.index.IndexFileFormat.FOOTER_BYTES;
import static dev.nhl.index.IndexFileFormat.FOOTER_MAGIC;
import static dev.nhl.index.IndexFileFormat.LE_INT;
import static dev.nhl.index.IndexFileFormat.LE_LONG;
import static dev.nhl.index.IndexFileFormat.MAGIC;
import static dev.nhl.index.IndexFileFormat.PREAMBLE_BYTES;
import static dev.nhl.index.IndexFileFormat.VERSION;
import static dev.nhl.index.IndexFileFormat.VERSION_NO_TABLE;
import static dev.nhl.index.IndexFileFormat.VERSION_PREFIX_TABLE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads index files of every version, mapped: one header reader a version ({@link #readV1},
 * {@link #readV2}, {@link #readV3}), then the checks every version shares (the file's exact size,
 * its footer, its checksum, its deletions). Whatever does not add up is a {@link
 * CorruptIndexFileException} naming the file and what is wrong; nothing is read past what the
 * file holds.
 */
final class IndexFileReader {

  private IndexFileReader() {}

  /** What a header says, whatever its version. */
  private record Header(int version, int headerBytes, CodeSpec spec, long size, long deletedCount,
      long dataOffset, long dataBytes, List<MultiIndex.Substring> substrings, long tableOffset, long tableBytes,
      int prefixKeyBits) {}

  /** The fields every version has, in the same place: the spec, then four counts and offsets. */
  private record Common(CodeSpec spec, long size, long deletedCount, long dataOffset, long dataBytes, long end) {}

  /**
   * The contents of a mapped index file.
   *
   * @param verify whether to check the whole-file checksum (header checksums, magic numbers and
   *     the exact size are always checked)
   */
  static IndexFileFormat.Contents read(Path file, MemorySegment seg, long fileSize, boolean verify)
      throws CorruptIndexFileException {
    if (fileSize < PREAMBLE_BYTES + FOOTER_BYTES) {
      throw new CorruptIndexFileException("file has " + fileSize + " bytes, too short for an nhl code index", file);
    }
    if (!Arrays.equals(seg.asSlice(0, 8).toArray(ValueLayout.JAVA_BYTE), MAGIC)) {
      throw new CorruptIndexFileException("not an nhl code index: bad magic", file);
    }
    int version = seg.get(LE_INT, 8);
    if (version < VERSION_NO_TABLE || version > VERSION) {
      throw new CorruptIndexFileException("unsupported format version " + version
          + "; this build reads versions " + VERSION_NO_TABLE + " to " + VERSION, file);
    }
    int stages = seg.get(LE_INT, 12);
    if (stages < 1 || stages > CodeSpec.MAX_STAGES) {
      throw new CorruptIndexFileException("invalid stage count " + stages, file);
    }
    Header h = switch (version) {
      case VERSION_NO_TABLE -> readV1(file, seg, fileSize, stages);
      case VERSION_PREFIX_TABLE -> readV2(file, seg, fileSize, stages);
      default -> readV3(file, seg, fileSize, stages);
    };
    long n = h.size();
    long deletedWords = h.deletedCount() > 0 ? (n + 63) >>> 6 : 0;
    long expected = h.dataOffset() + h.dataBytes() + h.tableBytes() + 8 * deletedWords + FOOTER_BYTES;
    if (fileSize != expected) {
      throw new CorruptIndexFileException("file has " + fileSize + " bytes, its header implies " + expected
          + (fileSize < expected ? " (truncated)" : " (trailing bytes)"), file);
    }
    long footerAt = fileSize - FOOTER_BYTES;
    if (!Arrays.equals(seg.asSlice(footerAt, 8).toArray(ValueLayout.JAVA_BYTE), FOOTER_MAGIC)) {
      throw new CorruptIndexFileException("bad footer magic", file);
    }
    if (verify) {
      checksum(file, seg, fileSize);
    }
    DeletedIds deleted = new DeletedIds(n);
    if (deletedWords > 0) {
      long[] words = seg.asSlice(h.dataOffset() + h.dataBytes() + h.tableBytes(), 8 * deletedWords).toArray(LE_LONG);
      if ((n & 63) != 0 && (words[words.length - 1] >>> (n & 63)) != 0) {
        throw new CorruptIndexFileException("deletion bits set past the last code", file);
      }
      long c = deleted.load(words);
      if (c != h.deletedCount()) {
        throw new CorruptIndexFileException(
            "header says " + h.deletedCount() + " deleted codes, the bitset has " + c, file);
      }
    }
    if (h.version() == VERSION_PREFIX_TABLE && h.tableBytes() > 0) {
      checkPrefixTable(seg.asSlice(h.tableOffset(), h.tableBytes()), h.prefixKeyBits(), n, file);
    }
    MemorySegment tables = h.substrings().isEmpty() ? null : seg.asSlice(h.tableOffset(), h.tableBytes());
    return new IndexFileFormat.Contents(h.spec(), (int) n, seg.asSlice(h.dataOffset(), h.dataBytes()), deleted,
        h.substrings(), tables);
  }

  /** Version 1: no table fields. */
  private static Header readV1(Path file, MemorySegment seg, long fileSize, int stages)
      throws CorruptIndexFileException {
    int headerBytes = IndexFileFormat.headerBytes(VERSION_NO_TABLE, stages, 0);
    Common c = common(file, seg, fileSize, stages, headerBytes);
    return new Header(VERSION_NO_TABLE, headerBytes, c.spec(), c.size(), c.deletedCount(), c.dataOffset(),
        c.dataBytes(), List.of(), 0, 0, 0);
  }

  /**
   * Version 2: key bits int32, table offset int64 and table length int64 of a prefix table
   * between the data and the deletions. Its table is checked, then left unused.
   */
  private static Header readV2(Path file, MemorySegment seg, long fileSize, int stages)
      throws CorruptIndexFileException {
    int headerBytes = IndexFileFormat.headerBytes(VERSION_PREFIX_TABLE, stages, 0);
    Common c = common(file, seg, fileSize, stages, headerBytes);
    int keyBits = seg.get(LE_INT, c.end());
    long tableOffset = seg.get(LE_LONG, c.end() + 4);
    long tableBytes = seg.get(LE_LONG, c.end() + 12);
    long n = c.size();
    // the records of a prefix table: the code, then its id, after 2^b + 1 bucket starts
    long expected = keyBits == 0 ? 0
        : ColumnLayout.legacyPrefixTableBytes(Math.min(keyBits, 30), n, c.spec().maxBytes());
    if (keyBits == 0 ? tableOffset != 0 || tableBytes != 0
        : keyBits < 0 || keyBits > Math.min(16, c.spec().maxBits()) || n == 0
            || tableOffset != c.dataOffset() + c.dataBytes() || tableBytes != expected) {
      throw new CorruptIndexFileException("prefix table of " + keyBits + " key bits at " + tableOffset + " of "
          + tableBytes + " bytes does not match " + n + " codes of spec " + c.spec(), file);
    }
    return new Header(VERSION_PREFIX_TABLE, headerBytes, c.spec(), n, c.deletedCount(), c.dataOffset(),
        c.dataBytes(), List.of(), tableOffset, tableBytes, keyBits);
  }

  /** Version 3: table count int32 m, m substrings (first bit, width), tables offset and length int64. */
  private static Header readV3(Path file, MemorySegment seg, long fileSize, int stages)
      throws CorruptIndexFileException {
    long countAt = PREAMBLE_BYTES + 4L * stages + 32;
    if (fileSize < countAt + 4) {
      throw new CorruptIndexFileException("file has " + fileSize + " bytes, shorter than its header", file);
    }
    int tableCount = seg.get(LE_INT, countAt);
    if (tableCount < 0 || tableCount > CodeSpec.MAX_BITS) {
      throw new CorruptIndexFileException("invalid table count " + tableCount, file);
    }
    int headerBytes = IndexFileFormat.headerBytes(VERSION, stages, tableCount);
    Common c = common(file, seg, fileSize, stages, headerBytes);
    List<MultiIndex.Substring> substrings = new ArrayList<>();
    long p = c.end() + 4;
    try {
      for (int t = 0; t < tableCount; t++) {
        substrings.add(new MultiIndex.Substring(seg.get(LE_INT, p), seg.get(LE_INT, p + 4)));
        p += 8;
      }
      if (tableCount > 0) {
        MultiIndex.checkSubstrings(c.spec(), substrings);
      }
    } catch (IllegalArgumentException e) {
      throw new CorruptIndexFileException("invalid multi-index substrings: " + e.getMessage(), file);
    }
    long tableOffset = seg.get(LE_LONG, p);
    long tableBytes = seg.get(LE_LONG, p + 8);
    long n = c.size();
    if (tableCount == 0 ? tableOffset != 0 || tableBytes != 0
        : n == 0 || tableOffset != c.dataOffset() + c.dataBytes()
            || tableBytes != MultiIndex.regionBytes(c.spec(), substrings, n)) {
      throw new CorruptIndexFileException(tableCount + " multi-index tables at " + tableOffset + " of " + tableBytes
          + " bytes do not match " + n + " codes of spec " + c.spec(), file);
    }
    return new Header(VERSION, headerBytes, c.spec(), n, c.deletedCount(), c.dataOffset(), c.dataBytes(),
        List.copyOf(substrings), tableOffset, tableBytes, 0);
  }

  /**
   * Checks the header's checksum, then reads the fields every version has: the lengths, the code
   * and deletion counts, and where the data lies.
   */
  private static Common common(Path file, MemorySegment seg, long fileSize, int stages, int headerBytes)
      throws CorruptIndexFileException {
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
      lengths[i] = seg.get(LE_INT, PREAMBLE_BYTES + 4L * i);
    }
    CodeSpec spec;
    try {
      spec = CodeSpec.of(lengths);
    } catch (IllegalArgumentException e) {
      throw new CorruptIndexFileException("invalid code spec in header: " + e.getMessage(), file);
    }
    long at = PREAMBLE_BYTES + 4L * stages;
    long n = seg.get(LE_LONG, at);
    long deletedCount = seg.get(LE_LONG, at + 8);
    long dataOffset = seg.get(LE_LONG, at + 16);
    long dataBytes = seg.get(LE_LONG, at + 24);
    if (n < 0 || n > Integer.MAX_VALUE || deletedCount < 0 || deletedCount > n) {
      throw new CorruptIndexFileException("invalid counts: " + n + " codes, " + deletedCount + " deleted", file);
    }
    if (dataOffset != ColumnLayout.align(headerBytes) || dataBytes != new ColumnLayout(spec).dataBytes(n)) {
      throw new CorruptIndexFileException("data region at " + dataOffset + " of " + dataBytes
          + " bytes does not match " + n + " codes of spec " + spec, file);
    }
    return new Common(spec, n, deletedCount, dataOffset, dataBytes, at + 32);
  }

  private static void checksum(Path file, MemorySegment seg, long fileSize) throws CorruptIndexFileException {
    CRC32C crc = new CRC32C();
    long end = fileSize - 8;
    for (long off = 0; off < end; off += 1 << 30) {
      crc.update(seg.asSlice(off, Math.min(1 << 30, end - off)).asByteBuffer());
    }
    long stored = seg.get(LE_LONG, end);
    if (crc.getValue() != stored) {
      throw new CorruptIndexFileException("checksum mismatch: stored " + Long.toHexString(stored) + ", computed "
          + Long.toHexString(crc.getValue()), file);
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
}
