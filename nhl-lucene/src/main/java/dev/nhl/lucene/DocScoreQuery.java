package dev.nhl.lucene;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;

/**
 * The rewritten form of a {@link NestedHammingQuery}: fixed documents (global ids, ascending) with
 * fixed scores, valid only for the reader it was computed on.
 */
final class DocScoreQuery extends Query {

  private final int[] docs;
  private final float[] scores;
  private final Object readerId;
  private final String description;
  private final List<dev.nhl.index.Hits.StageStats> stages; // what the search did; not part of equality

  DocScoreQuery(int[] docs, float[] scores, Object readerId, String description, List<dev.nhl.index.Hits.StageStats> stages) {
    assert docs.length == scores.length;
    this.docs = docs;
    this.scores = scores;
    this.readerId = readerId;
    this.description = description;
    this.stages = List.copyOf(stages);
  }

  /** The stages of the search that computed this query's documents, summed over the segments. */
  List<dev.nhl.index.Hits.StageStats> stages() {
    return stages;
  }

  @Override
  public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
    if (searcher.getIndexReader().getContext().id() != readerId) {
      throw new IllegalStateException(
          "this query was rewritten against another reader: rewrite the NestedHammingQuery again");
    }
    return new Weight(this) {
      @Override
      public Explanation explain(LeafReaderContext ctx, int doc) {
        int i = Arrays.binarySearch(docs, ctx.docBase + doc);
        return i < 0
            ? Explanation.noMatch("not among the nearest codes")
            : Explanation.match(scores[i] * boost, "1 / (1 + Hamming distance) of " + description);
      }

      @Override
      public ScorerSupplier scorerSupplier(LeafReaderContext ctx) {
        int lo = lowerBound(ctx.docBase);
        int hi = lowerBound(ctx.docBase + ctx.reader().maxDoc());
        if (lo == hi) {
          return null;
        }
        return new DefaultScorerSupplier(new SliceScorer(lo, hi, ctx.docBase, boost));
      }

      @Override
      public boolean isCacheable(LeafReaderContext ctx) {
        return false;
      }
    };
  }

  private int lowerBound(int doc) {
    int i = Arrays.binarySearch(docs, doc);
    return i < 0 ? -1 - i : i;
  }

  private final class SliceScorer extends Scorer {
    private final int lo;
    private final int hi;
    private final int base;
    private final float boost;
    private int at = -1;

    SliceScorer(int lo, int hi, int base, float boost) {
      this.lo = lo;
      this.hi = hi;
      this.base = base;
      this.boost = boost;
    }

    @Override
    public int docID() {
      return at < 0 ? -1 : at >= hi ? DocIdSetIterator.NO_MORE_DOCS : docs[at] - base;
    }

    @Override
    public DocIdSetIterator iterator() {
      return new DocIdSetIterator() {
        @Override
        public int docID() {
          return SliceScorer.this.docID();
        }

        @Override
        public int nextDoc() {
          at = at < 0 ? lo : at + 1;
          return docID();
        }

        @Override
        public int advance(int target) {
          int i = lowerBound(base + target);
          at = Math.max(Math.max(i, lo), at < 0 ? lo : at + 1);
          return docID();
        }

        @Override
        public long cost() {
          return hi - lo;
        }
      };
    }

    @Override
    public float getMaxScore(int upTo) {
      float max = 0;
      for (int i = lo; i < hi; i++) {
        max = Math.max(max, scores[i]);
      }
      return max * boost;
    }

    @Override
    public float score() {
      return scores[at] * boost;
    }
  }

  @Override
  public void visit(QueryVisitor visitor) {
    visitor.visitLeaf(this);
  }

  @Override
  public String toString(String field) {
    return "DocScoreQuery(" + docs.length + " docs of " + description + ")";
  }

  @Override
  public boolean equals(Object o) {
    return sameClassAs(o)
        && readerId == ((DocScoreQuery) o).readerId
        && Arrays.equals(docs, ((DocScoreQuery) o).docs)
        && Arrays.equals(scores, ((DocScoreQuery) o).scores);
  }

  @Override
  public int hashCode() {
    return Objects.hash(classHash(), Arrays.hashCode(docs), Arrays.hashCode(scores), System.identityHashCode(readerId));
  }
}
