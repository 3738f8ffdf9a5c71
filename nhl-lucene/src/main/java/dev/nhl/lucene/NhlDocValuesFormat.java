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
 * its own).
 *
 * <p>Every binary field of a segment is written in one of two layouts:
 *
 * <ul>
 *   <li><b>Columns</b>, when all its values in the segment have one length of at most 1024
 *       bytes: the values are cut into the prefix increments of a {@link dev.nhl.index.CodeSpec}
 *       (the field's {@link NestedCodeField#SPEC_ATTRIBUTE} when it matches that length, one
 *       increment of the whole value otherwise) and laid out as the planes of {@link
 *       dev.nhl.index.ColumnLayout}: for each increment, one dense array of 8-, 4-, 2- or 1-byte
 *       words, one word per document with a value, in document order, every plane starting at a
 *       file offset that is a multiple of 64. A search reads the first plane(s) for every
 *       document and later planes only for candidates.
 *   <li><b>Offsets and bytes</b> otherwise: the concatenated values, then {@code count + 1}
 *       int64 start offsets.
 * </ul>
 *
 * <p>A {@link NestedCodeField} of at least {@code minTableCodes} values in a segment (by default
 * {@value #DEFAULT_MIN_TABLE_CODES}) also gets a <b>prefix table</b>: a second copy of its codes, each
 * with its document, ordered by their first {@code b} bits ({@code b} up to 16, about 16 codes a
 * bucket), laid out as {@link dev.nhl.index.PrefixBuckets} says. {@link NestedHammingQuery}'s
 * default search probes it instead of scanning the columns: it reads the buckets nearest to the
 * query's prefix, a few megabytes, where a scan reads every code's prefix.
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
           prefix table key bits byte (0: no table),
           if a table: table start int64 (multiple of 64), table length int64
 * offsets:  bytes start int64, bytes length int64, offsets start int64,
 *           min length int32, max length int32
 * </pre>
 *
 * then field number -1 and a {@code CodecUtil} checksum footer. Data file ({@code .nhd}): index
 * header (codec {@value #DATA_CODEC}), the regions the meta file points to, checksum footer.
 * Damaged headers, footers or checksums raise {@code CorruptIndexException}.
 */
public final class NhlDocValuesFormat extends DocValuesFormat {

  /** The SPI name of this format. */
  public static final String NAME = "NhlDocValues";

  static final String META_CODEC = "NhlDocValuesMeta";
  static final String DATA_CODEC = "NhlDocValuesData";
  static final String META_EXTENSION = "nhm";
  static final String DATA_EXTENSION = "nhd";
  static final int VERSION_START = 0;
  /** Column fields may carry a prefix table. */
  static final int VERSION_PREFIX_TABLE = 1;
  static final int VERSION_CURRENT = VERSION_PREFIX_TABLE;

  /**
   * Column fields with at least this many values in a segment get a prefix table: below it, the
   * default search scans every code exactly ({@link dev.nhl.index.ProgressivePlan#EXACT_UP_TO}).
   */
  public static final int DEFAULT_MIN_TABLE_CODES = dev.nhl.index.ProgressivePlan.EXACT_UP_TO + 1;

  static final byte LAYOUT_COLUMNS = 0;
  static final byte LAYOUT_OFFSETS = 1;

  private final DocValuesFormat delegate = new Lucene90DocValuesFormat();
  private final int minTableCodes;
  private final boolean tableForEveryColumnField;

  /**
   * The format, with a prefix table for column fields of at least {@value
   * #DEFAULT_MIN_TABLE_CODES} values in a segment; SPI loads it by {@link #NAME}.
   */
  public NhlDocValuesFormat() {
    this(DEFAULT_MIN_TABLE_CODES);
  }

  /**
   * The format, writing a prefix table for {@link NestedCodeField}s with at least {@code
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
    super(NAME);
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
