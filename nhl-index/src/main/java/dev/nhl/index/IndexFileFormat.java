package dev.nhl.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The names and sizes of the index file format that {@link NestedCodeIndex} documents, shared by
 * its writer ({@link IndexFileWriter}, the current version only) and its reader ({@link
 * IndexFileReader}, every version).
 */
final class IndexFileFormat {

  /** The version written. */
  static final int VERSION = 3;
  /** The first version, without tables: still read. */
  static final int VERSION_NO_TABLE = 1;
  /** The version with a prefix table: still read, its table unused. */
  static final int VERSION_PREFIX_TABLE = 2;

  static final byte[] MAGIC = "NHLCODES".getBytes(StandardCharsets.US_ASCII);
  static final byte[] FOOTER_MAGIC = "NHLFOOTR".getBytes(StandardCharsets.US_ASCII);
  /** The footer: its magic, then the CRC32C of every byte before the checksum. */
  static final int FOOTER_BYTES = 16;
  /** Magic, version and stage count: what every version's header starts with. */
  static final int PREAMBLE_BYTES = 16;

  static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfLong LE_LONG = ColumnLayout.LE_LONG;

  private IndexFileFormat() {}

  /** What an index file holds: the codes' columns, deletions, and the multi-index tables if any. */
  record Contents(CodeSpec spec, int size, MemorySegment data, DeletedIds deleted,
      List<MultiIndex.Substring> substrings, MemorySegment tableData) {}

  /**
   * Header bytes, checksum included, of a version with this many stages (and, from version 3,
   * tables): the preamble, the lengths, four counts and offsets, the version's table fields, the
   * checksum.
   */
  static int headerBytes(int version, int stages, int tables) {
    int tableFields = switch (version) {
      case VERSION_NO_TABLE -> 0;
      case VERSION_PREFIX_TABLE -> 4 + 8 + 8;
      default -> 4 + 8 * tables + 8 + 8;
    };
    return PREAMBLE_BYTES + 4 * stages + 8 + 8 + 8 + 8 + tableFields + 4;
  }
}
