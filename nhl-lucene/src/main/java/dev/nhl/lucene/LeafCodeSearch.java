package dev.nhl.lucene;

import dev.nhl.index.ColumnarCodes;
import dev.nhl.index.Hits;
import dev.nhl.index.PrefixBuckets;
import dev.nhl.index.SearchOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.lucene.index.BinaryDocValues;
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
 * The search of one segment: over the mapped columns with nhl-index's kernels when the field was
 * written by {@link NhlDocValuesFormat} into a mapping directory, otherwise through {@code
 * BinaryDocValues}, one document at a time, exactly.
 */
final class LeafCodeSearch {

  private LeafCodeSearch() {}

  /** A hit of one segment: segment-local doc and Hamming distance. */
  record LeafHit(int doc, int distance) {}

  /** Documents of the segment that pass the filter and are live, or null when all do. */
  static Bits accepted(LeafReaderContext ctx, Weight filter) throws IOException {
    Bits live = ctx.reader().getLiveDocs();
    if (filter == null) {
      // a bit set rather than Bits: the column path copies its words instead of asking per doc
      return live == null ? null : FixedBitSet.copyOf(live);
    }
    FixedBitSet bits = new FixedBitSet(ctx.reader().maxDoc());
    ScorerSupplier ss = filter.scorerSupplier(ctx);
    if (ss != null) {
      Scorer s = ss.get(Long.MAX_VALUE);
      DocIdSetIterator it = s.iterator();
      for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
        if (live == null || live.get(doc)) {
          bits.set(doc);
        }
      }
    }
    return bits;
  }

  /** The segment's codes as columns with the ordinals that {@code accept} allows, or null. */
  private record Columns(ColumnarCodes codes, int[] ordToDoc, BitSet allowed) {
    int doc(int ord) {
      return ordToDoc == null ? ord : ordToDoc[ord];
    }
  }

  private static Columns columns(BinaryDocValues values, Bits accept, int bits) throws IOException {
    if (!(values instanceof ColumnarBinaryDocValues cbv)) {
      return null;
    }
    ColumnarCodes codes = cbv.columns();
    if (codes == null || !codes.spec().hasLength(bits)) {
      return null;
    }
    int[] ordToDoc = cbv.ordToDoc();
    BitSet allowed = null;
    if (accept instanceof FixedBitSet docs && ordToDoc == null) {
      // every document has a code: ordinals are doc ids, and the words can be copied as they are
      allowed = BitSet.valueOf(docs.getBits());
    } else if (accept != null) {
      allowed = new BitSet(codes.count());
      for (int ord = 0; ord < codes.count(); ord++) {
        if (accept.get(ordToDoc == null ? ord : ordToDoc[ord])) {
          allowed.set(ord);
        }
      }
    }
    return new Columns(codes, ordToDoc, allowed);
  }

  /** The k nearest accepted documents at {@code options}' final length, closest first, ties by doc. */
  static List<LeafHit> topK(
      LeafReader leaf, String field, byte[] code, int finalBits, SearchOptions options, Bits accept)
      throws IOException {
    return topK(leaf, field, code, finalBits, options, NO_PROBE, accept, null);
  }

  /** {@code candidates}: the column search only. */
  static final long NO_PROBE = 0;
  /** {@code candidates}: probe the prefix table with {@link NestedHammingQuery#defaultCandidates}. */
  static final long DEFAULT_PROBE = -1;

  /**
   * As above, probing the segment's prefix table for at least {@code candidates} codes when it
   * has one and {@code candidates} is not {@link #NO_PROBE}; the stages of the search are added
   * to {@code stages} when it is not null.
   */
  static List<LeafHit> topK(
      LeafReader leaf, String field, byte[] code, int finalBits, SearchOptions options, long candidates,
      Bits accept, List<Hits.StageStats> stages)
      throws IOException {
    BinaryDocValues values = leaf.getBinaryDocValues(field);
    if (values == null) {
      return List.of();
    }
    if (candidates != NO_PROBE && values instanceof ColumnarBinaryDocValues cbv) {
      PrefixBuckets table = cbv.table();
      if (table != null && finalBits >= table.keyBits() && finalBits <= 8 * table.codeBytes()) {
        long accepted = table.count();
        if (accept instanceof FixedBitSet bits) {
          accepted = bits.cardinality();
        } else if (accept != null) {
          accepted = 0; // unknown: the column search handles any filter
        }
        long want = table.probeSize(Math.max(0, candidates), options.k(), accepted);
        if (want > 0) {
          Hits hits = table.search(code, finalBits, options.k(), want, accept == null ? null : accept::get);
          if (stages != null) {
            stages.addAll(hits.stages());
          }
          List<LeafHit> out = new ArrayList<>(hits.size());
          for (int i = 0; i < hits.size(); i++) {
            out.add(new LeafHit(hits.id(i), hits.distance(i)));
          }
          return out;
        }
      }
    }
    Columns cols = columns(values, accept, finalBits);
    if (cols != null) {
      Hits hits = cols.codes().search(code, options.withFilter(cols.allowed()));
      if (stages != null) {
        stages.addAll(hits.stages());
      }
      List<LeafHit> out = new ArrayList<>(hits.size());
      for (int i = 0; i < hits.size(); i++) {
        out.add(new LeafHit(cols.doc(hits.id(i)), hits.distance(i)));
      }
      return out;
    }
    // worst first, so that the head is the one to drop
    Comparator<LeafHit> order = Comparator.comparingInt(LeafHit::distance).thenComparingInt(LeafHit::doc);
    PriorityQueue<LeafHit> queue = new PriorityQueue<>(order.reversed());
    int k = options.k();
    for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
      if (accept != null && !accept.get(doc)) {
        continue;
      }
      int d = distance(values.binaryValue(), code, finalBits);
      if (d < 0) {
        continue;
      }
      if (queue.size() < k) {
        queue.add(new LeafHit(doc, d));
      } else if (d < queue.peek().distance()) {
        queue.poll();
        queue.add(new LeafHit(doc, d));
      }
    }
    List<LeafHit> out = new ArrayList<>(queue);
    out.sort(order);
    return out;
  }

  /** Every accepted document within {@code radius} at {@code bits}, in doc order. */
  static int[] withinRadius(LeafReader leaf, String field, byte[] code, int bits, int radius, Bits accept)
      throws IOException {
    BinaryDocValues values = leaf.getBinaryDocValues(field);
    if (values == null) {
      return new int[0];
    }
    if (values instanceof ColumnarBinaryDocValues cbv) {
      PrefixBuckets table = cbv.table();
      if (table != null && bits >= table.keyBits() && bits <= 8 * table.codeBytes()
          && PrefixBuckets.worthProbingRadius(table.keyBits(), radius, table.count())) {
        // exact: every code within the radius has its key within it too
        Hits hits = table.radius(code, bits, radius, accept == null ? null : accept::get);
        int[] docs = hits.ids();
        java.util.Arrays.sort(docs);
        return docs;
      }
    }
    Columns cols = columns(values, accept, bits);
    if (cols != null) {
      Hits hits = cols.codes().radius(code, bits, radius, cols.allowed());
      int[] docs = new int[hits.size()];
      for (int i = 0; i < docs.length; i++) {
        docs[i] = cols.doc(hits.id(i));
      }
      java.util.Arrays.sort(docs);
      return docs;
    }
    int[] docs = new int[16];
    int n = 0;
    for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
      if (accept != null && !accept.get(doc)) {
        continue;
      }
      int d = distance(values.binaryValue(), code, bits);
      if (d >= 0 && d <= radius) {
        if (n == docs.length) {
          docs = java.util.Arrays.copyOf(docs, n * 2);
        }
        docs[n++] = doc;
      }
    }
    return java.util.Arrays.copyOf(docs, n);
  }

  /** Hamming distance of the first {@code bits} bits, or -1 for a value shorter than that. */
  static int distance(BytesRef value, byte[] code, int bits) {
    int bytes = bits >>> 3;
    if (value.length < bytes) {
      return -1;
    }
    int d = 0;
    for (int i = 0; i < bytes; i++) {
      d += Integer.bitCount((value.bytes[value.offset + i] ^ code[i]) & 0xFF);
    }
    return d;
  }

  static final ScoreMode FILTER_MODE = ScoreMode.COMPLETE_NO_SCORES;
}
