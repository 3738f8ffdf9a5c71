package dev.nhl.lucene;

import static dev.nhl.lucene.NhlDocValuesFormat.DATA_CODEC;
import static dev.nhl.lucene.NhlDocValuesFormat.DATA_EXTENSION;
import static dev.nhl.lucene.NhlDocValuesFormat.LAYOUT_COLUMNS;
import static dev.nhl.lucene.NhlDocValuesFormat.LAYOUT_OFFSETS;
import static dev.nhl.lucene.NhlDocValuesFormat.META_CODEC;
import static dev.nhl.lucene.NhlDocValuesFormat.META_EXTENSION;
import static dev.nhl.lucene.NhlDocValuesFormat.VERSION_CURRENT;
import static dev.nhl.lucene.NhlDocValuesFormat.VERSION_MULTI_INDEX;
import static dev.nhl.lucene.NhlDocValuesFormat.VERSION_PREFIX_TABLE;
import static dev.nhl.lucene.NhlDocValuesFormat.VERSION_START;

import dev.nhl.index.CodeSegment;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.ColumnLayout;
import dev.nhl.index.MultiIndex;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.DocValuesProducer;
import org.apache.lucene.codecs.lucene90.IndexedDISI;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.DocValuesSkipper;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.MemorySegmentAccessInput;
import org.apache.lucene.store.RandomAccessInput;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.IOUtils;

/** Reads the binary fields written by {@link NhlDocValuesConsumer}; delegates the others. */
final class NhlDocValuesProducer extends DocValuesProducer {

  /** What the meta file says of one binary field. */
  record BinaryEntry(
      long docsOffset,
      long docsLength,
      short jumpTableEntries,
      byte denseRankPower,
      int count,
      byte layout,
      CodeSpec spec, // columns only
      long start,
      long length,
      long offsetsStart, // offsets only
      int minLength,
      int maxLength,
      List<MultiIndex.Substring> substrings, // columns with multi-index tables only
      long tableStart,
      long tableLength) {}

  private final Map<Integer, BinaryEntry> binaries = new HashMap<>();
  private final DocValuesProducer delegate;
  private final IndexInput data;
  private final int maxDoc;

  NhlDocValuesProducer(SegmentReadState state, DocValuesProducer delegate) throws IOException {
    this.delegate = delegate;
    this.maxDoc = state.segmentInfo.maxDoc();
    String metaName = IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, META_EXTENSION);
    int version = -1;
    try (ChecksumIndexInput in = state.directory.openChecksumInput(metaName)) {
      Throwable prior = null;
      try {
        version = CodecUtil.checkIndexHeader(
            in, META_CODEC, VERSION_START, VERSION_CURRENT, state.segmentInfo.getId(), state.segmentSuffix);
        readFields(in, state.fieldInfos, version);
      } catch (Throwable t) {
        prior = t;
      } finally {
        CodecUtil.checkFooter(in, prior);
      }
    }
    String dataName = IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, DATA_EXTENSION);
    IndexInput in = state.directory.openInput(dataName, state.context);
    boolean ok = false;
    try {
      // a file cut inside its header is corrupt, like one cut anywhere else (not an end of file)
      long least = CodecUtil.indexHeaderLength(DATA_CODEC, state.segmentSuffix) + CodecUtil.footerLength();
      if (in.length() < least) {
        throw new CorruptIndexException("data file of " + in.length() + " bytes is shorter than its header and "
            + "footer (" + least + " bytes): truncated", in);
      }
      int dataVersion = CodecUtil.checkIndexHeader(
          in, DATA_CODEC, VERSION_START, VERSION_CURRENT, state.segmentInfo.getId(), state.segmentSuffix);
      if (dataVersion != version) {
        throw new CorruptIndexException("format versions mismatch: meta=" + version + ", data=" + dataVersion, in);
      }
      // the footer's structure and length now; the whole checksum in checkIntegrity
      CodecUtil.retrieveChecksum(in);
      this.data = in;
      ok = true;
    } finally {
      if (!ok) {
        IOUtils.closeWhileHandlingException(in);
      }
    }
  }

  private void readFields(IndexInput meta, FieldInfos infos, int version) throws IOException {
    for (int number = meta.readInt(); number != -1; number = meta.readInt()) {
      FieldInfo info = infos.fieldInfo(number);
      if (info == null) {
        throw new CorruptIndexException("invalid field number: " + number, meta);
      }
      long docsOffset = meta.readLong();
      long docsLength = meta.readLong();
      short jumpTableEntries = meta.readShort();
      byte denseRankPower = meta.readByte();
      int count = meta.readInt();
      if (count < 0 || count > maxDoc || (docsOffset == -1 && count != maxDoc)) {
        throw new CorruptIndexException("invalid value count " + count + " for " + maxDoc + " docs", meta);
      }
      byte layout = meta.readByte();
      BinaryEntry e;
      if (layout == LAYOUT_COLUMNS) {
        int valueLength = meta.readInt();
        int stages = meta.readVInt();
        if (stages < 1 || stages > CodeSpec.MAX_STAGES) {
          throw new CorruptIndexException("invalid stage count " + stages, meta);
        }
        int[] lengths = new int[stages];
        for (int i = 0; i < stages; i++) {
          lengths[i] = meta.readVInt();
        }
        CodeSpec spec;
        try {
          spec = CodeSpec.of(lengths);
        } catch (IllegalArgumentException ex) {
          throw new CorruptIndexException("invalid code spec: " + ex.getMessage(), meta, ex);
        }
        if (spec.maxBytes() != valueLength) {
          throw new CorruptIndexException("spec " + spec + " does not fit values of " + valueLength + " bytes", meta);
        }
        long start = meta.readLong();
        long length = meta.readLong();
        if (start % ColumnLayout.ALIGN != 0 || length != ColumnLayout.of(spec).dataBytes(count)) {
          throw new CorruptIndexException("invalid column region " + start + "+" + length, meta);
        }
        List<MultiIndex.Substring> substrings = List.of();
        long tableStart = 0;
        long tableLength = 0;
        if (version == VERSION_PREFIX_TABLE) {
          skipPrefixTable(meta, count, valueLength);
        } else if (version >= VERSION_MULTI_INDEX) {
          int m = meta.readVInt();
          if (m < 0 || m > spec.maxBits()) {
            throw new CorruptIndexException("invalid table count " + m, meta);
          }
          if (m > 0) {
            List<MultiIndex.Substring> subs = new ArrayList<>(m);
            try {
              for (int t = 0; t < m; t++) {
                subs.add(new MultiIndex.Substring(meta.readVInt(), meta.readVInt()));
              }
              MultiIndex.checkSubstrings(spec, subs);
            } catch (IllegalArgumentException ex) {
              throw new CorruptIndexException("invalid multi-index substrings: " + ex.getMessage(), meta, ex);
            }
            substrings = List.copyOf(subs);
            tableStart = meta.readLong();
            tableLength = meta.readLong();
            if (tableStart % ColumnLayout.ALIGN != 0 || tableStart < 0
                || tableLength != MultiIndex.regionBytes(spec, substrings, count)) {
              throw new CorruptIndexException("invalid multi-index region " + tableStart + "+" + tableLength, meta);
            }
          }
        }
        e = new BinaryEntry(docsOffset, docsLength, jumpTableEntries, denseRankPower, count, layout, spec,
            start, length, 0, valueLength, valueLength, substrings, tableStart, tableLength);
      } else if (layout == LAYOUT_OFFSETS) {
        long start = meta.readLong();
        long length = meta.readLong();
        long offsetsStart = meta.readLong();
        int minLength = meta.readInt();
        int maxLength = meta.readInt();
        e = new BinaryEntry(docsOffset, docsLength, jumpTableEntries, denseRankPower, count, layout, null,
            start, length, offsetsStart, minLength, maxLength, List.of(), 0, 0);
      } else {
        throw new CorruptIndexException("invalid layout " + layout, meta);
      }
      binaries.put(number, e);
    }
  }

  /**
   * Version 1's prefix table: its fields are read and checked, the table itself is not used (the
   * data file's checksum still covers it).
   */
  private static void skipPrefixTable(IndexInput meta, int count, int valueLength) throws IOException {
    int keyBits = meta.readByte();
    if (keyBits == 0) {
      return;
    }
    if (keyBits < 1 || keyBits > Math.min(16, 8 * valueLength)) {
      throw new CorruptIndexException("invalid prefix table key bits " + keyBits, meta);
    }
    long tableStart = meta.readLong();
    long tableLength = meta.readLong();
    long expected = ColumnLayout.legacyPrefixTableBytes(keyBits, count, valueLength);
    if (tableStart % ColumnLayout.ALIGN != 0 || tableLength != expected) {
      throw new CorruptIndexException("invalid prefix table region " + tableStart + "+" + tableLength, meta);
    }
  }

  @Override
  public BinaryDocValues getBinary(FieldInfo field) throws IOException {
    BinaryEntry e = binaries.get(field.number);
    if (e == null || e.count() == 0) {
      return DocValues.emptyBinary();
    }
    if (e.layout() == LAYOUT_COLUMNS) {
      ColumnReader reader = new ColumnReader(e);
      return e.docsOffset() == -1 ? new DenseColumns(e, reader) : new SparseColumns(e, reader);
    }
    OffsetReader reader = new OffsetReader(e);
    return e.docsOffset() == -1 ? new DenseBinary(maxDoc, reader) : new SparseBinary(disi(e), reader);
  }

  private IndexedDISI disi(BinaryEntry e) throws IOException {
    return new IndexedDISI(data, e.docsOffset(), e.docsLength(), e.jumpTableEntries(), e.denseRankPower(), e.count());
  }

  private final ConcurrentHashMap<BinaryEntry, CodeSegment> segments = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<BinaryEntry, int[]> ordToDoc = new ConcurrentHashMap<>();

  /**
   * The field's codes as a {@link CodeSegment}, made once per segment reader: over the mapped file
   * when the directory maps its files, else over a copy in memory, read once. The tables' bucket
   * starts are checked here.
   */
  CodeSegment segmentOf(BinaryEntry e) throws IOException {
    CodeSegment c = segments.get(e);
    if (c == null) {
      MemorySegment columns = region(e.start(), e.length());
      try {
        c = e.substrings().isEmpty()
            ? CodeSegment.of(e.spec(), e.count(), columns)
            : CodeSegment.of(e.spec(), e.count(), columns,
                MultiIndex.of(e.spec(), e.count(), e.substrings(), region(e.tableStart(), e.tableLength())));
      } catch (IllegalArgumentException ex) {
        throw new CorruptIndexException("invalid multi-index tables: " + ex.getMessage(), data, ex);
      }
      CodeSegment prev = segments.putIfAbsent(e, c);
      c = prev == null ? c : prev;
    }
    return c;
  }

  /** A region of the data file: mapped, or read into memory the garbage collector frees. */
  private MemorySegment region(long start, long length) throws IOException {
    if (data instanceof MemorySegmentAccessInput in) {
      MemorySegment seg = in.segmentSliceOrNull(start, length);
      if (seg != null) {
        return seg;
      }
    }
    // 64-byte aligned, off the heap: what the kernels read fastest
    MemorySegment copy = Arena.ofAuto().allocate(Math.max(1, length), ColumnLayout.ALIGN).asSlice(0, length);
    IndexInput in = data.slice("nhl region", start, length);
    byte[] buf = new byte[1 << 16];
    for (long off = 0; off < length; off += buf.length) {
      int n = (int) Math.min(buf.length, length - off);
      in.readBytes(buf, 0, n);
      MemorySegment.copy(buf, 0, copy, java.lang.foreign.ValueLayout.JAVA_BYTE, off, n);
    }
    return copy;
  }

  /** Ordinal to document of a sparse field, made once per segment. */
  int[] ordToDocOf(BinaryEntry e) throws IOException {
    int[] docs = ordToDoc.get(e);
    if (docs == null) {
      docs = new int[e.count()];
      IndexedDISI it = disi(e);
      for (int doc = it.nextDoc(), i = 0; doc != IndexedDISI.NO_MORE_DOCS; doc = it.nextDoc()) {
        docs[i++] = doc;
      }
      ordToDoc.putIfAbsent(e, docs);
    }
    return docs;
  }

  // the column layout's doc values also hand the query their mapped columns
  private final class DenseColumns extends DenseBinary implements ColumnarBinaryDocValues {
    private final BinaryEntry entry;

    DenseColumns(BinaryEntry entry, ValueReader reader) {
      super(maxDoc, reader);
      this.entry = entry;
    }

    @Override
    public CodeSegment segment() throws IOException {
      return segmentOf(entry);
    }

    @Override
    public int[] ordToDoc() {
      return null;
    }
  }

  private final class SparseColumns extends SparseBinary implements ColumnarBinaryDocValues {
    private final BinaryEntry entry;

    SparseColumns(BinaryEntry entry, ValueReader reader) throws IOException {
      super(disi(entry), reader);
      this.entry = entry;
    }

    @Override
    public CodeSegment segment() throws IOException {
      return segmentOf(entry);
    }

    @Override
    public int[] ordToDoc() throws IOException {
      return ordToDocOf(entry);
    }
  }

  /** Reads the value of the {@code ord}-th document that has one. */
  private interface ValueReader {
    BytesRef read(int ord) throws IOException;
  }

  /**
   * Reads codes one document at a time from the columns. Built lazily on the first read: every
   * search asks for the field's doc values per segment, and reaches the columns through {@link
   * ColumnarBinaryDocValues#segment()} without reading a value this way.
   */
  private final class ColumnReader implements ValueReader {
    private final BinaryEntry e;
    private RandomAccessInput in;
    private ColumnLayout layout;
    private long[] planeStart;
    private BytesRef value;

    ColumnReader(BinaryEntry e) {
      this.e = e;
    }

    private void open() throws IOException {
      in = data.randomAccessSlice(e.start(), e.length());
      layout = ColumnLayout.of(e.spec());
      planeStart = new long[layout.planes()];
      for (int p = 0; p < planeStart.length; p++) {
        planeStart[p] = layout.planeOffset(p, e.count());
      }
      value = new BytesRef(new byte[e.spec().maxBytes()]);
    }

    @Override
    public BytesRef read(int ord) throws IOException {
      if (in == null) {
        open();
      }
      for (int p = 0; p < planeStart.length; p++) {
        int w = layout.wordBytes(p);
        in.readBytes(planeStart[p] + (long) ord * w, value.bytes, layout.codeOffset(p), w);
      }
      return value;
    }
  }

  private final class OffsetReader implements ValueReader {
    private final RandomAccessInput bytes;
    private final RandomAccessInput offsets;
    private final BytesRef value;

    OffsetReader(BinaryEntry e) throws IOException {
      this.bytes = data.randomAccessSlice(e.start(), e.length());
      this.offsets = data.randomAccessSlice(e.offsetsStart(), 8L * (e.count() + 1));
      this.value = new BytesRef(new byte[e.maxLength()]);
    }

    @Override
    public BytesRef read(int ord) throws IOException {
      long from = offsets.readLong(8L * ord);
      long to = offsets.readLong(8L * ord + 8);
      int len = (int) (to - from);
      bytes.readBytes(from, value.bytes, 0, len);
      value.length = len;
      return value;
    }
  }

  private static class DenseBinary extends BinaryDocValues {
    private final int maxDoc;
    private final ValueReader reader;
    private int doc = -1;

    DenseBinary(int maxDoc, ValueReader reader) {
      this.maxDoc = maxDoc;
      this.reader = reader;
    }

    @Override
    public int docID() {
      return doc;
    }

    @Override
    public int nextDoc() {
      return advance(doc + 1);
    }

    @Override
    public int advance(int target) {
      return doc = target >= maxDoc ? NO_MORE_DOCS : target;
    }

    @Override
    public boolean advanceExact(int target) {
      doc = target;
      return true;
    }

    @Override
    public long cost() {
      return maxDoc;
    }

    @Override
    public BytesRef binaryValue() throws IOException {
      return reader.read(doc);
    }
  }

  private static class SparseBinary extends BinaryDocValues {
    private final IndexedDISI disi;
    private final ValueReader reader;

    SparseBinary(IndexedDISI disi, ValueReader reader) {
      this.disi = disi;
      this.reader = reader;
    }

    @Override
    public int docID() {
      return disi.docID();
    }

    @Override
    public int nextDoc() throws IOException {
      return disi.nextDoc();
    }

    @Override
    public int advance(int target) throws IOException {
      return disi.advance(target);
    }

    @Override
    public boolean advanceExact(int target) throws IOException {
      return disi.advanceExact(target);
    }

    @Override
    public long cost() {
      return disi.cost();
    }

    @Override
    public BytesRef binaryValue() throws IOException {
      return reader.read(disi.index());
    }
  }

  @Override
  public NumericDocValues getNumeric(FieldInfo field) throws IOException {
    return delegate.getNumeric(field);
  }

  @Override
  public SortedDocValues getSorted(FieldInfo field) throws IOException {
    return delegate.getSorted(field);
  }

  @Override
  public SortedNumericDocValues getSortedNumeric(FieldInfo field) throws IOException {
    return delegate.getSortedNumeric(field);
  }

  @Override
  public SortedSetDocValues getSortedSet(FieldInfo field) throws IOException {
    return delegate.getSortedSet(field);
  }

  @Override
  public DocValuesSkipper getSkipper(FieldInfo field) throws IOException {
    // binary fields have no skip index; the others' live in the delegate
    return binaries.containsKey(field.number) ? null : delegate.getSkipper(field);
  }

  @Override
  public void checkIntegrity() throws IOException {
    CodecUtil.checksumEntireFile(data);
    delegate.checkIntegrity();
  }

  @Override
  public void close() throws IOException {
    IOUtils.close(data, delegate);
  }
}
