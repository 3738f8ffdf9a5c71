package dev.nhl.lucene;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.ConstantScoreScorer;
import org.apache.lucene.search.ConstantScoreWeight;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;

/**
 * The documents whose nested code in {@code field} is within Hamming distance {@code radius} of a
 * query code at {@code lengthBits}: a constant-score query, for example a {@code FILTER} clause of
 * a {@code BooleanQuery}. Exact: each segment's {@link dev.nhl.index.CodeSegment#radius} reads
 * its multi-index tables within the radius where that costs less than a scan of the columns.
 */
public final class NestedHammingRadiusQuery extends Query {

  private final String field;
  private final byte[] code;
  private final int lengthBits;
  private final int radius;

  /**
   * @throws IllegalArgumentException if the length is not a positive multiple of 8 within the
   *     query code, or the radius is outside {@code [0, lengthBits]}
   */
  public NestedHammingRadiusQuery(String field, byte[] code, int lengthBits, int radius) {
    if (field == null || code == null) {
      throw new IllegalArgumentException("field and query code must not be null");
    }
    if (lengthBits <= 0 || lengthBits % 8 != 0 || lengthBits > code.length * 8) {
      throw new IllegalArgumentException(
          "length must be a positive multiple of 8 of at most the query's "
              + code.length * 8
              + " bits, got "
              + lengthBits);
    }
    if (radius < 0 || radius > lengthBits) {
      throw new IllegalArgumentException(
          "radius must be in [0, " + lengthBits + "], got " + radius);
    }
    this.field = field;
    this.code = code.clone();
    this.lengthBits = lengthBits;
    this.radius = radius;
  }

  @Override
  public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
    return new ConstantScoreWeight(this, boost) {
      @Override
      public ScorerSupplier scorerSupplier(LeafReaderContext ctx) throws IOException {
        int[] docs = LeafCodeSearch.withinRadius(ctx, field, code, lengthBits, radius);
        if (docs.length == 0) {
          return null;
        }
        return new DefaultScorerSupplier(new ConstantScoreScorer(score(), scoreMode, iterator(docs)));
      }

      @Override
      public boolean isCacheable(LeafReaderContext ctx) {
        return DocValues.isCacheable(ctx, field);
      }
    };
  }

  static DocIdSetIterator iterator(int[] docs) {
    return new DocIdSetIterator() {
      int i = -1;

      @Override
      public int docID() {
        return i < 0 ? -1 : i >= docs.length ? NO_MORE_DOCS : docs[i];
      }

      @Override
      public int nextDoc() {
        i++;
        return docID();
      }

      @Override
      public int advance(int target) {
        int j = Arrays.binarySearch(docs, Math.max(i + 1, 0), docs.length, target);
        i = j < 0 ? -1 - j : j;
        return docID();
      }

      @Override
      public long cost() {
        return docs.length;
      }
    };
  }

  @Override
  public void visit(QueryVisitor visitor) {
    if (visitor.acceptField(field)) {
      visitor.visitLeaf(this);
    }
  }

  @Override
  public String toString(String defaultField) {
    return "NestedHammingRadiusQuery(" + (field.equals(defaultField) ? "" : field + ", ")
        + dev.nhl.index.Codes.toHex(code) + ", within " + radius + " at " + lengthBits + " bits)";
  }

  @Override
  public boolean equals(Object o) {
    if (!sameClassAs(o)) {
      return false;
    }
    NestedHammingRadiusQuery q = (NestedHammingRadiusQuery) o;
    return field.equals(q.field) && Arrays.equals(code, q.code) && lengthBits == q.lengthBits && radius == q.radius;
  }

  @Override
  public int hashCode() {
    return Objects.hash(classHash(), field, Arrays.hashCode(code), lengthBits, radius);
  }
}
