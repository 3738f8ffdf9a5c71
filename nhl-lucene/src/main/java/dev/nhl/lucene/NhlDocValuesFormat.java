package dev.nhl.lucene;

import java.io.IOException;
import org.apache.lucene.codecs.DocValuesConsumer;
import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.DocValuesProducer;
import org.apache.lucene.codecs.lucene90.Lucene90DocValuesFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.util.IOUtils;

/**
 * Doc values format that stores binary fields column-wise, and delegates numeric, sorted, sorted
 * numeric and sorted set fields to {@link Lucene90DocValuesFormat} (whose files it writes beside
 * its own). Registered with Java's service loader as {@value #NAME}; indexes written under the
 * earlier name {@code NhlDocValues} are read by {@link NhlLegacyDocValuesFormat}.
 *
 * <p>Every binary field of a segment is written in one of two layouts:
 *
 * <ul>
 *   <li><b>Columns</b>, when all its values in the segment have one length of at most 1024
 *       bytes: the values are cut into the prefix increments of a {@link dev.nhl.index.CodeSpec}
 *       (the field's {@link NestedCodeField#SPEC_ATTRIBUTE} when it matches that length, one
 *       increment of the whole value otherwise) and laid out as the planes of {@link
 *       dev.nhl.index.ColumnLayout}: for each increment, one dense array of 8-, 4-, 2- or 1-byte
 *       words, one word per document with a value, in document order (the value's
 *       <em>ordinal</em>), every plane starting at a file offset that is a multiple of 64.
 *   <li><b>Offsets and bytes</b> otherwise: the concatenated values, then {@code count + 1}
 *       int64 start offsets.
 * </ul>
 *
 * <p>A {@link NestedCodeField} of at least {@code minTableCodes} values in a segment (by default
 * {@value #DEFAULT_MIN_TABLE_CODES}) also gets <b>multi-index tables</b>: the region of {@link
 * dev.nhl.index.MultiIndex} (each code's row, then per substring a hash table from the
 * substring's value to ordinals), which make exact searches sublinear where the codes allow it.
 *
 * <h2>Files</h2>
 *
 * <p>Meta file ({@code .nhm}): {@code CodecUtil} index header (codec {@value #META_CODEC}, version
 * {@value #VERSION_CURRENT}, segment id and suffix); then one entry per binary field:
 *
 * <pre>
 * field number int32
 * docs with a value: offset int64 (-2: none, -1: all, else an IndexedDISI in the data file),
 *                    length int64, jump table entries int16, dense rank power byte
 * value count int32
 * layout byte: 0 = columns, 1 = offsets and bytes
 * columns:  value length int32, stage count vint, stage lengths in bits vint...,
 *           data start int64 (multiple of 64), data length int64,
 *           table count vint m (0: no tables), m x (first bit vint, width vint),
 *           if m &gt; 0: tables start int64 (multiple of 64), tables length int64
 * offsets:  bytes start int64, bytes length int64, offsets start int64,
 *           min length int32, max length int32
 * </pre>
 *
 * then field number -1 and a {@code CodecUtil} checksum footer. Data file ({@code .nhd}): index
 * header (codec {@value #DATA_CODEC}), the regions the meta file points to, checksum footer.
 * Damaged headers, footers or checksums raise {@code CorruptIndexException}.
 *
 * <h2>Versions</h2>
 *
 * <ul>
 *   <li>0: columns and offsets, no tables;
 *   <li>1: a column field's entry ends with key bits byte b (0: none) and, when b &gt; 0, the
 *       start and length int64 of a prefix table (codes with their document ids, bucketed by
 *       their first b bits). Read, checked by the data file's checksum, and not used: such a
 *       segment is searched through its columns until a merge rewrites it;
 *   <li>2 (current): multi-index tables of ordinals, as above.
 * </ul>
 */
public final class NhlDocValuesFormat extends DocValuesFormat {

  /** The SPI name of this format: its first generation. */
  public static final String NAME = "NhlDocValues1";

  static final String META_CODEC = "NhlDocValuesMeta";
  static final String DATA_CODEC = "NhlDocValuesData";
  static final String META_EXTENSION = "nhm";
  static final String DATA_EXTENSION = "nhd";
  static final int VERSION_START = 0;
  /** Column fields may carry a prefix table (read, unused). */
  static final int VERSION_PREFIX_TABLE = 1;
  /** Column fields may carry multi-index tables of ordinals. */
  static final int VERSION_MULTI_INDEX = 2;
  static final int VERSION_CURRENT = VERSION_MULTI_INDEX;

  /**
   * Column fields with at least this many values in a segment get multi-index tables: below it a
   * scan of every code takes a fraction of a millisecond.
   */
  public static final int DEFAULT_MIN_TABLE_CODES = dev.nhl.index.ProgressivePlan.EXACT_UP_TO + 1;

  static final byte LAYOUT_COLUMNS = 0;
  static final byte LAYOUT_OFFSETS = 1;

  private final DocValuesFormat delegate = new Lucene90DocValuesFormat();
  private final int minTableCodes;
  private final boolean tableForEveryColumnField;

  /**
   * The format, with multi-index tables for column fields of at least {@value
   * #DEFAULT_MIN_TABLE_CODES} values in a segment; SPI loads it by {@link #NAME}.
   */
  public NhlDocValuesFormat() {
    this(DEFAULT_MIN_TABLE_CODES);
  }

  /**
   * The format, writing multi-index tables for {@link NestedCodeField}s with at least {@code
   * minTableCodes} values in a segment ({@link Integer#MAX_VALUE}: never). Reading does not
   * depend on it.
   *
   * @throws IllegalArgumentException if {@code minTableCodes} is below 1
   */
  public NhlDocValuesFormat(int minTableCodes) {
    this(minTableCodes, false);
  }

  /** As above; {@code tableForEveryColumnField} also gives tables to plain fixed-length binary fields. */
  NhlDocValuesFormat(int minTableCodes, boolean tableForEveryColumnField) {
    this(NAME, minTableCodes, tableForEveryColumnField);
  }

  /** The format under another SPI name: the legacy name reads the same files. */
  NhlDocValuesFormat(String name, int minTableCodes, boolean tableForEveryColumnField) {
    super(name);
    if (minTableCodes < 1) {
      throw new IllegalArgumentException("minTableCodes must be at least 1, got " + minTableCodes);
    }
    this.minTableCodes = minTableCodes;
    this.tableForEveryColumnField = tableForEveryColumnField;
  }

  @Override
  public DocValuesConsumer fieldsConsumer(SegmentWriteState state) throws IOException {
    DocValuesConsumer other = delegate.fieldsConsumer(state);
    boolean ok = false;
    try {
      DocValuesConsumer c = new NhlDocValuesConsumer(state, other, minTableCodes, tableForEveryColumnField);
      ok = true;
      return c;
    } finally {
      if (!ok) {
        IOUtils.closeWhileHandlingException(other);
      }
    }
  }

  @Override
  public DocValuesProducer fieldsProducer(SegmentReadState state) throws IOException {
    DocValuesProducer other = delegate.fieldsProducer(state);
    boolean ok = false;
    try {
      DocValuesProducer p = new NhlDocValuesProducer(state, other);
      ok = true;
      return p;
    } finally {
      if (!ok) {
        IOUtils.closeWhileHandlingException(other);
      }
    }
  }
}
