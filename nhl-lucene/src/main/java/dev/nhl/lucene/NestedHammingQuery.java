package dev.nhl.lucene;

import dev.nhl.index.Hits;
import dev.nhl.index.PrefixBuckets;
import dev.nhl.index.ProgressivePlan;
import dev.nhl.index.SearchOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TotalHits;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;

/**
 * The {@code k} documents whose nested code in {@code field} is nearest to a query code by
 * Hamming distance, among the live documents that match an optional filter.
 *
 * <p>Like {@code KnnByteVectorQuery}, it does its work in {@link #rewrite}: every segment is
 * searched (in parallel on the searcher's executor), the per-segment top {@code k} are merged,
 * and the query becomes one over the winning documents. The score of a hit is {@code 1 / (1 +
 * d)}, where {@code d} is its Hamming distance at the final length; equal scores are ordered by
 * document id.
 *
 * <ul>
 *   <li>{@link #exact}: every code of every segment is ranked at the final length.
 *   <li>{@link #progressive(String, byte[], int)}: a segment with a prefix table (written by
 *       {@link NhlDocValuesFormat} for fields of many codes) probes it for {@link
 *       #defaultCandidates} codes, the nearest by prefix, and ranks them at the final length,
 *       unless that is an eighth of its codes or more (a large {@code k}); any other segment runs
 *       {@link ProgressivePlan#defaultPlan} for its size: the first stage ranks every code on a
 *       short prefix, later stages widen the code for fewer candidates.
 *   <li>{@link #probing}: as the default, with a given number of candidates to probe. Probing
 *       every code returns the exact hits.
 *   <li>{@link #progressive(String, byte[], ProgressivePlan)}: every segment runs the given plan
 *       over its columns. A plan whose stages keep every candidate returns the exact hits.
 * </ul>
 *
 * <p>A segment whose live documents that pass the filter are fewer than a quarter of its codes
 * runs the column search, not the probe: the probe would rank four codes or more for each one it
 * may return.
 *
 * <p>Segments written by {@link NhlCodec} into a directory that maps its files ({@code
 * MMapDirectory}, Lucene's default on 64-bit JVMs) are scanned column-wise with SIMD kernels
 * (or probed); other segments are read document by document and ranked exactly.
 */
public final class NestedHammingQuery extends Query {

  private final String field;
  private final byte[] code;
  private final int k;
  private final int finalBits;
  private final boolean exact;
  private final ProgressivePlan plan; // null: the default per segment
  private final long candidates; // probe size; LeafCodeSearch.DEFAULT_PROBE or NO_PROBE
  private final Query filter; // null: none

  private NestedHammingQuery(
      String field, byte[] code, int k, int finalBits, boolean exact, ProgressivePlan plan, long candidates,
      Query filter) {
    if (field == null) {
      throw new IllegalArgumentException("field is null");
    }
    if (code == null || code.length == 0) {
      throw new IllegalArgumentException("query code is " + (code == null ? "null" : "empty"));
    }
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive, got " + k);
    }
    if (finalBits <= 0 || finalBits % 8 != 0 || finalBits > code.length * 8) {
      throw new IllegalArgumentException(
          "final length must be a positive multiple of 8 of at most the query's "
              + code.length * 8
              + " bits, got "
              + finalBits);
    }
    this.field = field;
    this.code = code.clone();
    this.k = k;
    this.finalBits = finalBits;
    this.exact = exact;
    this.plan = plan;
    this.candidates = candidates;
    this.filter = filter;
  }

  /** Exact top {@code k} at the query code's full length. */
  public static NestedHammingQuery exact(String field, byte[] code, int k) {
    return new NestedHammingQuery(field, code, k, fullLength(code), true, null, LeafCodeSearch.NO_PROBE, null);
  }

  /** Exact top {@code k} at {@code lengthBits}, one of the field's lengths. */
  public static NestedHammingQuery exact(String field, byte[] code, int k, int lengthBits) {
    return new NestedHammingQuery(field, code, k, lengthBits, true, null, LeafCodeSearch.NO_PROBE, null);
  }

  /**
   * Progressive top {@code k} at the query code's full length: each segment probes its prefix
   * table for {@link #defaultCandidates} codes, or runs its default plan when it has no table.
   */
  public static NestedHammingQuery progressive(String field, byte[] code, int k) {
    return new NestedHammingQuery(
        field, code, k, fullLength(code), false, null, LeafCodeSearch.DEFAULT_PROBE, null);
  }

  /**
   * Progressive top {@code k} at the query code's full length, probing each segment's prefix
   * table until at least {@code candidates} codes were ranked (whole Hamming distances of the
   * prefix at a time, so usually more); segments without a table run their default plan. More
   * candidates cost more time and miss fewer neighbours; at least as many as a segment has codes
   * return its exact hits.
   *
   * @throws IllegalArgumentException if {@code candidates} is not positive
   */
  public static NestedHammingQuery probing(String field, byte[] code, int k, long candidates) {
    if (candidates <= 0) {
      throw new IllegalArgumentException("candidates must be positive, got " + candidates);
    }
    return new NestedHammingQuery(field, code, k, fullLength(code), false, null, candidates, null);
  }

  /**
   * The candidates the default search probes in a segment of {@code n} codes for {@code k} hits:
   * {@link PrefixBuckets#defaultCandidates}, {@code max(n / 200, 500 k)}.
   */
  public static long defaultCandidates(long n, int k) {
    return PrefixBuckets.defaultCandidates(n, k);
  }

  private static int fullLength(byte[] code) {
    return code == null ? 8 : code.length * 8;
  }

  /** Progressive search with an explicit plan; {@code k} is the plan's last keep. */
  public static NestedHammingQuery progressive(String field, byte[] code, ProgressivePlan plan) {
    if (plan == null) {
      throw new IllegalArgumentException("plan is null");
    }
    return new NestedHammingQuery(
        field, code, plan.k(), plan.finalLength(), false, plan, LeafCodeSearch.NO_PROBE, null);
  }

  /** The same search among the documents that match {@code filter} (null: no filter). */
  public NestedHammingQuery withFilter(Query filter) {
    return new NestedHammingQuery(field, code, k, finalBits, exact, plan, candidates, filter);
  }

  /** The field searched. */
  public String getField() {
    return field;
  }

  /** Number of hits asked for. */
  public int getK() {
    return k;
  }

  private SearchOptions options() {
    if (exact) {
      return SearchOptions.exact(k, finalBits);
    }
    return plan != null ? SearchOptions.progressive(plan) : SearchOptions.progressive(k, finalBits);
  }

  @Override
  public Query rewrite(IndexSearcher searcher) throws IOException {
    IndexReader reader = searcher.getIndexReader();
    TopDocs top = search(searcher, null);
    ScoreDoc[] hits = top.scoreDocs.clone();
    Arrays.sort(hits, (a, b) -> Integer.compare(a.doc, b.doc));
    int[] docs = new int[hits.length];
    float[] scores = new float[hits.length];
    for (int i = 0; i < hits.length; i++) {
      docs[i] = hits[i].doc;
      scores[i] = hits[i].score;
    }
    return new DocScoreQuery(docs, scores, reader.getContext().id(), toString());
  }

  /** Top k over all segments, each searched on the searcher's executor; stages collected when asked. */
  private TopDocs search(IndexSearcher searcher, List<List<Hits.StageStats>> stages) throws IOException {
    IndexReader reader = searcher.getIndexReader();
    Weight filterWeight = null;
    if (filter != null) {
      filterWeight = searcher.createWeight(searcher.rewrite(filter), LeafCodeSearch.FILTER_MODE, 1f);
    }
    SearchOptions options = options();
    List<Callable<TopDocs>> tasks = new ArrayList<>(reader.leaves().size());
    for (LeafReaderContext ctx : reader.leaves()) {
      Weight fw = filterWeight;
      List<Hits.StageStats> leafStages = stages == null ? null : new ArrayList<>();
      if (stages != null) {
        stages.add(leafStages);
      }
      tasks.add(() -> {
        Bits accept = LeafCodeSearch.accepted(ctx, fw);
        List<LeafCodeSearch.LeafHit> hits =
            LeafCodeSearch.topK(ctx.reader(), field, code, finalBits, options, candidates, accept, leafStages);
        ScoreDoc[] docs = new ScoreDoc[hits.size()];
        for (int i = 0; i < docs.length; i++) {
          docs[i] = new ScoreDoc(ctx.docBase + hits.get(i).doc(), score(hits.get(i).distance()));
        }
        return new TopDocs(new TotalHits(docs.length, TotalHits.Relation.EQUAL_TO), docs);
      });
    }
    List<TopDocs> perLeaf = searcher.getTaskExecutor().invokeAll(tasks);
    return TopDocs.merge(k, perLeaf.toArray(new TopDocs[0]));
  }

  /**
   * What the search did, stage by stage.
   *
   * @param topDocs the hits, closest first, ties by doc id (the same as searching the query)
   * @param stages per code length, in increasing order: candidates scanned, candidates kept,
   *     time and bytes read, each summed over the segments (time is the sum of the segments'
   *     times, which run in parallel on a searcher with an executor); a probe of a prefix table
   *     counts as one stage at the final length, whose candidates are the codes it ranked
   * @param nanos wall time of the whole search
   */
  public record Profile(TopDocs topDocs, List<Hits.StageStats> stages, long nanos) {}

  /**
   * Runs the search and reports its stages. Segments searched without their columns (a
   * directory that cannot map them) run an exact scan and report no stages.
   */
  public Profile profile(IndexSearcher searcher) throws IOException {
    long t0 = System.nanoTime();
    List<List<Hits.StageStats>> perLeaf = new ArrayList<>();
    TopDocs top = search(searcher, perLeaf);
    long nanos = System.nanoTime() - t0;
    java.util.TreeMap<Integer, long[]> sums = new java.util.TreeMap<>();
    for (List<Hits.StageStats> leaf : perLeaf) {
      for (Hits.StageStats s : leaf) {
        long[] a = sums.computeIfAbsent(s.length(), x -> new long[4]);
        a[0] += s.candidates();
        a[1] += s.kept();
        a[2] += s.nanos();
        a[3] += s.bytesRead();
      }
    }
    List<Hits.StageStats> stages = new ArrayList<>();
    sums.forEach((len, a) -> stages.add(new Hits.StageStats(len, a[0], (int) a[1], a[2], a[3])));
    return new Profile(top, stages, nanos);
  }

  /** The score of a hit at Hamming distance {@code d}: {@code 1 / (1 + d)}. */
  public static float score(int d) {
    return 1f / (1f + d);
  }

  /** The Hamming distance of a hit with score {@code score}, the inverse of {@link #score}. */
  public static int distance(float score) {
    return Math.round(1f / score - 1f);
  }

  @Override
  public void visit(QueryVisitor visitor) {
    if (visitor.acceptField(field)) {
      visitor.visitLeaf(this);
    }
    if (filter != null) {
      filter.visit(visitor.getSubVisitor(BooleanClause.Occur.FILTER, this));
    }
  }

  @Override
  public String toString(String defaultField) {
    StringBuilder sb = new StringBuilder("NestedHammingQuery(");
    if (!field.equals(defaultField)) {
      sb.append(field).append(", ");
    }
    sb.append(dev.nhl.index.Codes.toHex(code)).append(", k=").append(k).append(", ");
    sb.append(exact ? "exact" : "progressive").append(" at ").append(finalBits).append(" bits");
    if (plan != null) {
      sb.append(", plan=").append(plan.stages());
    }
    if (candidates > 0) {
      sb.append(", candidates=").append(candidates);
    }
    if (filter != null) {
      sb.append(", filter=").append(filter.toString(defaultField));
    }
    return sb.append(')').toString();
  }

  @Override
  public boolean equals(Object o) {
    if (!sameClassAs(o)) {
      return false;
    }
    NestedHammingQuery q = (NestedHammingQuery) o;
    return field.equals(q.field)
        && Arrays.equals(code, q.code)
        && k == q.k
        && finalBits == q.finalBits
        && exact == q.exact
        && Objects.equals(plan, q.plan)
        && candidates == q.candidates
        && Objects.equals(filter, q.filter);
  }

  @Override
  public int hashCode() {
    return Objects.hash(classHash(), field, Arrays.hashCode(code), k, finalBits, exact, plan, candidates, filter);
  }
}
