package dev.nhl.lucene;

import dev.nhl.index.AcceptedIds;
import dev.nhl.index.CodeSegment;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.Hits;
import dev.nhl.index.SearchOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FilterLeafReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.FixedBitSet;

/**
 * The adapter from a Lucene segment to nhl-index: it hands the field's {@link CodeSegment} the
 * query, the options and the accepted ordinals (a view over the live documents and the filter's
 * documents through ordinal to document), and maps the hits back to documents. How the search
 * runs is decided by {@link CodeSegment#search}, not here.
 */
final class LeafCodeSearch {

  private LeafCodeSearch() {}

  /** A hit of one segment: segment-local doc and Hamming distance. */
  record LeafHit(int doc, int distance) {}

  static final ScoreMode FILTER_MODE = ScoreMode.COMPLETE_NO_SCORES;

  /** The documents of the segment that match {@code filter}, or null without a filter. */
  static FixedBitSet filterDocs(LeafReaderContext ctx, Weight filter) throws IOException {
    if (filter == null) {
      return null;
    }
    FixedBitSet bits = new FixedBitSet(ctx.reader().maxDoc());
    ScorerSupplier ss = filter.scorerSupplier(ctx);
    if (ss != null) {
      Scorer s = ss.get(Long.MAX_VALUE);
      DocIdSetIterator it = s.iterator();
      for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
        bits.set(doc);
      }
    }
    return bits;
  }

  /** The field's codes in a segment, and the document of each ordinal (null: ordinal = doc). */
  private record FieldCodes(CodeSegment segment, int[] ordToDoc) {
    int doc(int ord) {
      return ordToDoc == null ? ord : ordToDoc[ord];
    }
  }

  /** Copies made of segments whose values are not the codec's columns (read by tests). */
  static final java.util.concurrent.atomic.AtomicLong COPIES = new java.util.concurrent.atomic.AtomicLong();

  // copies kept per segment core, field and length: made once, dropped with the segment
  private static final java.util.Map<IndexReader.CacheKey, java.util.Map<String, FieldCodes>> COPIED =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  private static final java.util.concurrent.atomic.AtomicBoolean WARNED = new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * The field's codes for a search at {@code bits}: the codec's own segment when the field was
   * written by {@link NhlDocValuesFormat}'s column layout with that length, also under readers
   * that wrap the segment's (a wrapper that exposes the field is read through to the codec's
   * columns: wrappers hide documents, through the live documents that the search reads from the
   * wrapper, not rewrite codes); else a copy of the values read one document at a time (another
   * codec, or values of mixed lengths), each value's first {@code bits} bits, made once per
   * segment; null when the segment has no values.
   */
  private static FieldCodes codes(LeafReader leaf, String field, int bits) throws IOException {
    BinaryDocValues values = leaf.getBinaryDocValues(field);
    if (values == null) {
      return null;
    }
    if (values instanceof ColumnarBinaryDocValues cbv && cbv.segment().spec().hasLength(bits)) {
      return new FieldCodes(cbv.segment(), cbv.ordToDoc());
    }
    LeafReader inner = FilterLeafReader.unwrap(leaf);
    if (inner != leaf && inner.maxDoc() == leaf.maxDoc()
        && inner.getBinaryDocValues(field) instanceof ColumnarBinaryDocValues cbv && cbv.segment().spec().hasLength(bits)) {
      return new FieldCodes(cbv.segment(), cbv.ordToDoc());
    }
    IndexReader.CacheHelper helper = leaf.getCoreCacheHelper();
    if (helper == null) {
      return copy(leaf, values, field, bits);
    }
    java.util.Map<String, FieldCodes> perField = COPIED.computeIfAbsent(helper.getKey(),
        k -> new java.util.concurrent.ConcurrentHashMap<>());
    FieldCodes cached = perField.get(field + "/" + bits);
    if (cached == null) {
      cached = copy(leaf, values, field, bits);
      perField.put(field + "/" + bits, cached);
    }
    return cached;
  }

  private static FieldCodes copy(LeafReader leaf, BinaryDocValues values, String field, int bits) throws IOException {
    COPIES.incrementAndGet();
    if (WARNED.compareAndSet(false, true)) {
      System.getLogger("dev.nhl.lucene").log(System.Logger.Level.WARNING, "nhl: field " + field + " of a segment is not "
          + "stored in NhlCodec's columns (another codec, or values of other lengths): its codes are copied into "
          + "memory, once per segment; index with NhlCodec to search them in place");
    }
    CodeSpec spec = specOf(leaf.getFieldInfos().fieldInfo(field), bits);
    int bytes = spec.maxBytes();
    List<byte[]> codes = new ArrayList<>();
    int[] docs = new int[16];
    for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
      BytesRef v = values.binaryValue();
      if (v.length >= bytes) { // shorter values have no code of this length
        if (codes.size() == docs.length) {
          docs = java.util.Arrays.copyOf(docs, 2 * docs.length);
        }
        docs[codes.size()] = doc;
        codes.add(java.util.Arrays.copyOfRange(v.bytes, v.offset, v.offset + bytes));
      }
    }
    return new FieldCodes(CodeSegment.copyOf(spec, codes), java.util.Arrays.copyOf(docs, codes.size()));
  }

  /** The field's recorded spec when it has the length, else the one length {@code bits}. */
  private static CodeSpec specOf(FieldInfo info, int bits) {
    CodeSpec spec = NestedCodeField.recordedSpec(info);
    if (spec != null && spec.hasLength(bits)) {
      return spec.maxBits() == bits ? spec : CodeSpec.of(java.util.Arrays.stream(spec.lengths()).filter(l -> l <= bits).toArray());
    }
    return CodeSpec.of(bits);
  }

  /**
   * The ordinals whose documents are live and match the filter: a view, asked per ordinal, never
   * a copy of the live documents.
   */
  private static AcceptedIds accepted(LeafReader leaf, FieldCodes codes, FixedBitSet filter) {
    Bits live = leaf.getLiveDocs();
    int count = codes.segment().count();
    if (live == null && filter == null) {
      return AcceptedIds.all(count);
    }
    int[] ordToDoc = codes.ordToDoc();
    long estimate = Math.min(count, filter != null ? filter.cardinality() : leaf.numDocs());
    return new AcceptedIds() {
      @Override
      public boolean accept(int ord) {
        int doc = ordToDoc == null ? ord : ordToDoc[ord];
        return (live == null || live.get(doc)) && (filter == null || filter.get(doc));
      }

      @Override
      public long estimatedCount() {
        return estimate;
      }

      @Override
      public int nextAccepted(int from, int end) {
        if (ordToDoc != null || filter == null || from >= end) {
          return AcceptedIds.super.nextAccepted(from, end);
        }
        // ordinals are documents: jump through the filter's bits
        for (int doc = filter.nextSetBit(from, end); doc != DocIdSetIterator.NO_MORE_DOCS;
            doc = doc + 1 < end ? filter.nextSetBit(doc + 1, end) : DocIdSetIterator.NO_MORE_DOCS) {
          if (live == null || live.get(doc)) {
            return doc;
          }
        }
        return end;
      }
    };
  }

  /**
   * The top hits of the segment as {@code options} says, closest first, ties by doc, none farther
   * than {@code maxDistance} (what other segments already found); the search's stages are added
   * to {@code stages} when it is not null.
   */
  static List<LeafHit> topK(LeafReaderContext ctx, String field, byte[] code, int bits, SearchOptions options,
      FixedBitSet filter, int maxDistance, List<Hits.StageStats> stages) throws IOException {
    FieldCodes codes = codes(ctx.reader(), field, bits);
    if (codes == null || codes.segment().count() == 0) {
      return List.of();
    }
    Hits hits = codes.segment().search(
        query(code, codes.segment().spec()), options, accepted(ctx.reader(), codes, filter), maxDistance);
    if (stages != null) {
      stages.addAll(hits.stages());
    }
    List<LeafHit> out = new ArrayList<>(hits.size());
    for (int i = 0; i < hits.size(); i++) {
      out.add(new LeafHit(codes.doc(hits.id(i)), hits.distance(i)));
    }
    // ordinals increase with documents, except in a copy whose order is the same: ties stay by doc
    return out;
  }

  /** Every live document within {@code radius} of {@code code} at {@code bits}, in doc order. */
  static int[] withinRadius(LeafReaderContext ctx, String field, byte[] code, int bits, int radius) throws IOException {
    FieldCodes codes = codes(ctx.reader(), field, bits);
    if (codes == null || codes.segment().count() == 0) {
      return new int[0];
    }
    Hits hits = codes.segment().radius(query(code, codes.segment().spec()), bits, radius,
        accepted(ctx.reader(), codes, null));
    int[] docs = new int[hits.size()];
    for (int i = 0; i < docs.length; i++) {
      docs[i] = codes.doc(hits.id(i));
    }
    java.util.Arrays.sort(docs);
    return docs;
  }

  /** The query cut to the segment's longest code, when it is longer. */
  private static byte[] query(byte[] code, CodeSpec spec) {
    return code.length > spec.maxBytes() ? java.util.Arrays.copyOf(code, spec.maxBytes()) : code;
  }
}
