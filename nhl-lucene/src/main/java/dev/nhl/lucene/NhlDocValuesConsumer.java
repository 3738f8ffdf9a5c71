package dev.nhl.lucene;

import static dev.nhl.lucene.NhlDocValuesFormat.DATA_CODEC;
import static dev.nhl.lucene.NhlDocValuesFormat.DATA_EXTENSION;
import static dev.nhl.lucene.NhlDocValuesFormat.LAYOUT_COLUMNS;
import static dev.nhl.lucene.NhlDocValuesFormat.LAYOUT_OFFSETS;
import static dev.nhl.lucene.NhlDocValuesFormat.META_CODEC;
import static dev.nhl.lucene.NhlDocValuesFormat.META_EXTENSION;
import static dev.nhl.lucene.NhlDocValuesFormat.VERSION_CURRENT;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.ColumnLayout;
import dev.nhl.index.ColumnWriter;
import dev.nhl.index.MultiIndex;
import dev.nhl.index.MultiIndexWriter;
import java.util.List;
import java.io.IOException;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.DocValuesConsumer;
import org.apache.lucene.codecs.DocValuesProducer;
import org.apache.lucene.codecs.lucene90.IndexedDISI;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.IOUtils;

/** Writes binary fields in the layouts of {@link NhlDocValuesFormat}; delegates the others. */
final class NhlDocValuesConsumer extends DocValuesConsumer {

  /** Bytes of ids one pass of the tables' writer holds. */
  static final int TABLE_PASS_BYTES = 32 * 1024 * 1024;

  private final DocValuesConsumer delegate;
  private final int maxDoc;
  private final int minTableCodes;
  private final boolean tableForEveryColumnField;
  private IndexOutput meta;
  private IndexOutput data;

  NhlDocValuesConsumer(
      SegmentWriteState state, DocValuesConsumer delegate, int minTableCodes, boolean tableForEveryColumnField)
      throws IOException {
    this.delegate = delegate;
    this.minTableCodes = minTableCodes;
    this.tableForEveryColumnField = tableForEveryColumnField;
    this.maxDoc = state.segmentInfo.maxDoc();
    boolean ok = false;
    try {
      String dataName = IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, DATA_EXTENSION);
      data = state.directory.createOutput(dataName, state.context);
      CodecUtil.writeIndexHeader(data, DATA_CODEC, VERSION_CURRENT, state.segmentInfo.getId(), state.segmentSuffix);
      String metaName = IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, META_EXTENSION);
      meta = state.directory.createOutput(metaName, state.context);
      CodecUtil.writeIndexHeader(meta, META_CODEC, VERSION_CURRENT, state.segmentInfo.getId(), state.segmentSuffix);
      ok = true;
    } finally {
      if (!ok) {
        IOUtils.closeWhileHandlingException(meta, data);
      }
    }
  }

  @Override
  public void addNumericField(FieldInfo field, DocValuesProducer values) throws IOException {
    delegate.addNumericField(field, values);
  }

  @Override
  public void addSortedField(FieldInfo field, DocValuesProducer values) throws IOException {
    delegate.addSortedField(field, values);
  }

  @Override
  public void addSortedNumericField(FieldInfo field, DocValuesProducer values) throws IOException {
    delegate.addSortedNumericField(field, values);
  }

  @Override
  public void addSortedSetField(FieldInfo field, DocValuesProducer values) throws IOException {
    delegate.addSortedSetField(field, values);
  }

  @Override
  public void addBinaryField(FieldInfo field, DocValuesProducer values) throws IOException {
    // first pass: how many values, of which lengths
    int count = 0;
    int minLength = Integer.MAX_VALUE;
    int maxLength = 0;
    BinaryDocValues it = values.getBinary(field);
    for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
      int len = it.binaryValue().length;
      minLength = Math.min(minLength, len);
      maxLength = Math.max(maxLength, len);
      count++;
    }

    meta.writeInt(field.number);
    if (count == 0) {
      meta.writeLong(-2);
      meta.writeLong(0L);
      meta.writeShort((short) -1);
      meta.writeByte((byte) -1);
    } else if (count == maxDoc) {
      meta.writeLong(-1);
      meta.writeLong(0L);
      meta.writeShort((short) -1);
      meta.writeByte((byte) -1);
    } else {
      long offset = data.getFilePointer();
      meta.writeLong(offset);
      short jumpTableEntries =
          IndexedDISI.writeBitSet(values.getBinary(field), data, IndexedDISI.DEFAULT_DENSE_RANK_POWER);
      meta.writeLong(data.getFilePointer() - offset);
      meta.writeShort(jumpTableEntries);
      meta.writeByte(IndexedDISI.DEFAULT_DENSE_RANK_POWER);
    }
    meta.writeInt(count);

    CodeSpec spec = count > 0 && minLength == maxLength ? columnSpec(field, minLength) : null;
    if (spec != null) {
      writeColumns(field, values, spec, count);
    } else {
      writeOffsets(field, values, count, count == 0 ? 0 : minLength, maxLength);
    }
  }

  /** The spec to lay out values of {@code length} bytes, or null if they cannot be columns. */
  static CodeSpec columnSpec(FieldInfo field, int length) {
    if (length == 0 || length > CodeSpec.MAX_BITS / 8) {
      return null;
    }
    CodeSpec spec = NestedCodeField.recordedSpec(field);
    if (spec != null && spec.maxBytes() == length) {
      return spec;
    }
    // not a spec of ours, or another length: the values are still columns of one increment
    return CodeSpec.of(length * 8);
  }

  private void writeColumns(FieldInfo field, DocValuesProducer values, CodeSpec spec, int count)
      throws IOException {
    ColumnLayout layout = ColumnLayout.of(spec);
    meta.writeByte(LAYOUT_COLUMNS);
    meta.writeInt(spec.maxBytes());
    meta.writeVInt(spec.stages());
    for (int l : spec.lengths()) {
      meta.writeVInt(l);
    }
    long start = data.alignFilePointer(ColumnLayout.ALIGN);
    meta.writeLong(start);
    // one pass over the values per plane: no buffer of the whole field, whatever its size
    ColumnWriter.write(layout, count, rows(field, values), data::writeBytes);
    assert data.getFilePointer() == start + layout.dataBytes(count);
    meta.writeLong(layout.dataBytes(count));
    // a table serves NestedHammingQuery: the fields NestedCodeField made, not every fixed-length one
    boolean codeField = spec.equals(NestedCodeField.recordedSpec(field));
    List<MultiIndex.Substring> substrings =
        count >= minTableCodes && (codeField || tableForEveryColumnField) ? MultiIndex.substrings(spec, count) : List.of();
    meta.writeVInt(substrings.size());
    if (!substrings.isEmpty()) {
      writeTables(field, values, spec, count, substrings);
    }
  }

  /**
   * The region of {@link MultiIndex} for the field's codes, by ordinal. The writer reads the values
   * once per pass, so memory stays bounded whatever the segment's size.
   */
  private void writeTables(
      FieldInfo field, DocValuesProducer values, CodeSpec spec, int count, List<MultiIndex.Substring> substrings)
      throws IOException {
    for (MultiIndex.Substring s : substrings) {
      meta.writeVInt(s.from());
      meta.writeVInt(s.width());
    }
    long start = data.alignFilePointer(ColumnLayout.ALIGN);
    meta.writeLong(start);
    MultiIndexWriter.write(spec, substrings, count, rows(field, values), data::writeBytes, TABLE_PASS_BYTES);
    meta.writeLong(data.getFilePointer() - start);
    assert data.getFilePointer() - start == MultiIndex.regionBytes(spec, substrings, count);
  }

  /** The field's values in document order, read anew each time they are visited: ordinal i is the i-th value. */
  private static MultiIndex.CodeSource rows(FieldInfo field, DocValuesProducer values) {
    return visitor -> {
      BinaryDocValues it = values.getBinary(field);
      int ord = 0;
      for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
        BytesRef v = it.binaryValue();
        visitor.visit(ord++, v.bytes, v.offset);
      }
    };
  }

  private void writeOffsets(FieldInfo field, DocValuesProducer values, int count, int minLength, int maxLength)
      throws IOException {
    meta.writeByte(LAYOUT_OFFSETS);
    long start = data.getFilePointer();
    meta.writeLong(start);
    BinaryDocValues it = values.getBinary(field);
    for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
      BytesRef v = it.binaryValue();
      data.writeBytes(v.bytes, v.offset, v.length);
    }
    meta.writeLong(data.getFilePointer() - start);
    meta.writeLong(data.getFilePointer());
    long address = 0;
    data.writeLong(address);
    it = values.getBinary(field);
    for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
      address += it.binaryValue().length;
      data.writeLong(address);
    }
    meta.writeInt(minLength);
    meta.writeInt(maxLength);
  }

  @Override
  public void close() throws IOException {
    boolean ok = false;
    try {
      if (meta != null) {
        meta.writeInt(-1);
        CodecUtil.writeFooter(meta);
      }
      if (data != null) {
        CodecUtil.writeFooter(data);
      }
      ok = true;
    } finally {
      if (ok) {
        IOUtils.close(meta, data, delegate);
      } else {
        IOUtils.closeWhileHandlingException(meta, data, delegate);
      }
      meta = data = null;
    }
  }
}
