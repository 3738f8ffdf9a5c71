package dev.nhl.lucene;

import dev.nhl.index.CodeSegment;
import dev.nhl.index.Hits;
import dev.nhl.index.ProgressivePlan;
import dev.nhl.index.SearchOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
 * <p>Each segment is searched by nhl-index's {@link CodeSegment#search} with the query's {@link
 * SearchOptions}, which decides how: the segment's multi-index tables (written by {@link
 * NhlDocValuesFormat} for fields of many codes) where they are cheaper than a scan, the columns
 * otherwise. The factories name the options:
 *
 * <ul>
 *   <li>{@link #defaults(String, byte[], int)}, the default, and {@link #exact}: exact top
 *       {@code k}, ties included;
 *   <li>{@link #approximate(String, byte[], int, long)}: approximate, the tables probed until a number of codes was ranked;
 *   <li>{@link #approximate(String, byte[], ProgressivePlan)}: a plan over the columns;
 *   <li>{@link #of}: any {@link SearchOptions}.
 * </ul>
 *
 * <p>Segments of {@link NhlCodec} are searched over their columns in place (mapped, or read into
 * memory once per segment reader when the directory does not map files), also under readers that
 * wrap their leaves ({@code FilterLeafReader}: the wrapper's live documents apply); values of other
 * codecs are read document by document into memory, once per segment.
 */
public final class NestedHammingQuery extends Query {

  private final String field;
  private final byte[] code;
  private final SearchOptions options; // with an explicit final length
  private final Query filter; // null: none

  private NestedHammingQuery(String field, byte[] code, SearchOptions options, Query filter) {
    if (field == null) {
      throw new IllegalArgumentException("field is null");
    }
    if (code == null || code.length == 0) {
      throw new IllegalArgumentException("query code is " + (code == null ? "null" : "empty"));
    }
    if (options == null) {
      throw new IllegalArgumentException("search options are null");
    }
    if (options.acceptedIds().isPresent()) {
      throw new IllegalArgumentException("filter documents with withFilter(Query), not with a filter of ids");
    }
    int bits = options.length().orElse(code.length * 8);
    if (bits > code.length * 8) {
      throw new IllegalArgumentException(
          "final length must be a positive multiple of 8 of at most the query's " + code.length * 8
              + " bits, got " + bits);
    }
    this.field = field;
    this.code = code.clone();
    // the final length is settled here, once: every segment searches at it, whatever its own spec
    this.options = options.withLength(bits);
    this.filter = filter;
  }

  /**
   * A search with any options; without a length in the options, the final length is the query
   * code's full length.
   *
   * @throws IllegalArgumentException if an argument is null, the options carry a filter of ids
   *     (use {@link #withFilter}), or their length is longer than the query code
   */
  public static NestedHammingQuery of(String field, byte[] code, SearchOptions options) {
    return new NestedHammingQuery(field, code, options, null);
  }

  private static int fullLength(byte[] code) {
    if (code == null || code.length == 0) {
      throw new IllegalArgumentException("query code is " + (code == null ? "null" : "empty"));
    }
    return code.length * 8;
  }

  /** Exact top {@code k} at the query code's full length. */
  public static NestedHammingQuery exact(String field, byte[] code, int k) {
    return of(field, code, SearchOptions.exact(k, fullLength(code)));
  }

  /** Exact top {@code k} at {@code lengthBits}, one of the field's lengths. */
  public static NestedHammingQuery exact(String field, byte[] code, int k, int lengthBits) {
    checkLength(code, lengthBits);
    return of(field, code, SearchOptions.exact(k, lengthBits));
  }

  private static void checkLength(byte[] code, int bits) {
    if (bits <= 0 || bits % 8 != 0 || bits > fullLength(code)) {
      throw new IllegalArgumentException(
          "final length must be a positive multiple of 8 of at most the query's " + code.length * 8
              + " bits, got " + bits);
    }
  }

  /**
   * The default search for the top {@code k} at the query code's full length: exact results
   * ({@link SearchOptions#defaults(int)}).
   */
  public static NestedHammingQuery defaults(String field, byte[] code, int k) {
    return of(field, code, SearchOptions.defaults(k, fullLength(code)));
  }

  /**
   * Approximate top {@code k} at the query code's full length: each segment's multi-index tables
   * are probed, nearest buckets first, until at least {@code candidates} codes were ranked;
   * segments without tables are searched exactly. More candidates cost more time and miss fewer
   * neighbours.
   *
   * @throws IllegalArgumentException if {@code candidates} is not positive
   */
  public static NestedHammingQuery approximate(String field, byte[] code, int k, long candidates) {
    fullLength(code);
    return of(field, code, SearchOptions.approximate(k, candidates));
  }

  /**
   * A search that runs {@code plan} over each segment's columns; {@code k} is the plan's last
   * keep. Approximate unless the plan's stages keep every code.
   */
  public static NestedHammingQuery approximate(String field, byte[] code, ProgressivePlan plan) {
    if (plan == null) {
      throw new IllegalArgumentException("plan is null");
    }
    checkLength(code, plan.finalLength());
    return of(field, code, SearchOptions.approximate(plan));
  }

  /**
   * The default search: exact results.
   *
   * @deprecated use {@link #defaults(String, byte[], int)}.
   */
  @Deprecated(since = "0.2")
  public static NestedHammingQuery progressive(String field, byte[] code, int k) {
    return defaults(field, code, k);
  }

  /**
   * An approximate search through the tables.
   *
   * @deprecated use {@link #approximate(String, byte[], int, long)}.
   */
  @Deprecated(since = "0.2")
  public static NestedHammingQuery probing(String field, byte[] code, int k, long candidates) {
    return approximate(field, code, k, candidates);
  }

  /**
   * A plan over each segment's columns.
   *
   * @deprecated use {@link #approximate(String, byte[], ProgressivePlan)}.
   */
  @Deprecated(since = "0.2")
  public static NestedHammingQuery progressive(String field, byte[] code, ProgressivePlan plan) {
    return approximate(field, code, plan);
  }

  /** The same search among the documents that match {@code filter} (null: no filter). */
  public NestedHammingQuery withFilter(Query filter) {
    return new NestedHammingQuery(field, code, options, filter);
  }

  /** The field searched. */
  public String getField() {
    return field;
  }

  /** Number of hits asked for. */
  public int getK() {
    return options.k();
  }

  /** The search options. */
  public SearchOptions getOptions() {
    return options;
  }

  private int finalBits() {
    return options.length().getAsInt();
  }

  @Override
  public Query rewrite(IndexSearcher searcher) throws IOException {
    IndexReader reader = searcher.getIndexReader();
    List<List<Hits.StageStats>> perLeaf = new ArrayList<>();
    TopDocs top = search(searcher, perLeaf);
    ScoreDoc[] hits = top.scoreDocs.clone();
    Arrays.sort(hits, (a, b) -> Integer.compare(a.doc, b.doc));
    int[] docs = new int[hits.length];
    float[] scores = new float[hits.length];
    for (int i = 0; i < hits.length; i++) {
      docs[i] = hits[i].doc;
      scores[i] = hits[i].score;
    }
    return new DocScoreQuery(docs, scores, reader.getContext().id(), toString(), sumByLength(perLeaf));
  }

  /**
   * What the search of a rewritten {@code NestedHammingQuery} did, stage by stage and summed over
   * the segments (as {@link Profile#stages}): for profilers that see queries after {@link
   * IndexSearcher#rewrite}. Empty for any other query.
   */
  public static Optional<List<Hits.StageStats>> stagesOf(Query rewritten) {
    return rewritten instanceof DocScoreQuery d ? Optional.of(d.stages()) : Optional.empty();
  }

  /** Top k over all segments, each searched on the searcher's executor; stages collected when asked. */
  private TopDocs search(IndexSearcher searcher, List<List<Hits.StageStats>> stages) throws IOException {
    IndexReader reader = searcher.getIndexReader();
    Weight filterWeight = null;
    if (filter != null) {
      filterWeight = searcher.createWeight(searcher.rewrite(filter), LeafCodeSearch.FILTER_MODE, 1f);
    }
    int bits = finalBits();
    // the k-th distance found so far over the segments searched: exact searches stop there
    java.util.concurrent.atomic.AtomicInteger bound = new java.util.concurrent.atomic.AtomicInteger(Integer.MAX_VALUE);
    List<Callable<TopDocs>> tasks = new ArrayList<>(reader.leaves().size());
    for (LeafReaderContext ctx : reader.leaves()) {
      Weight fw = filterWeight;
      List<Hits.StageStats> leafStages = stages == null ? null : new ArrayList<>();
      if (stages != null) {
        stages.add(leafStages);
      }
      tasks.add(() -> {
        List<LeafCodeSearch.LeafHit> hits = LeafCodeSearch.topK(
            ctx, field, code, bits, options, LeafCodeSearch.filterDocs(ctx, fw), bound.get(), leafStages);
        if (hits.size() == options.k()) {
          // no later segment needs a hit farther than this one's k-th (equal ones may still win
          // their tie on doc id)
          bound.accumulateAndGet(hits.getLast().distance(), Math::min);
        }
        ScoreDoc[] docs = new ScoreDoc[hits.size()];
        for (int i = 0; i < docs.length; i++) {
          docs[i] = new ScoreDoc(ctx.docBase + hits.get(i).doc(), score(hits.get(i).distance()));
        }
        return new TopDocs(new TotalHits(docs.length, TotalHits.Relation.EQUAL_TO), docs);
      });
    }
    List<TopDocs> perLeaf = searcher.getTaskExecutor().invokeAll(tasks);
    return TopDocs.merge(options.k(), perLeaf.toArray(new TopDocs[0]));
  }

  /**
   * What the search did, stage by stage.
   *
   * @param topDocs the hits, closest first, ties by doc id (the same as searching the query)
   * @param stages per code length, in increasing order: candidates scanned, candidates kept,
   *     time and bytes read, each summed over the segments (time is the sum of the segments'
   *     times, which run in parallel on a searcher with an executor); a search of the multi-index
   *     tables counts as one stage at the final length, whose candidates are the codes it ranked
   * @param nanos wall time of the whole search
   */
  public record Profile(TopDocs topDocs, List<Hits.StageStats> stages, long nanos) {}

  /** Runs the search and reports its stages. */
  public Profile profile(IndexSearcher searcher) throws IOException {
    long t0 = System.nanoTime();
    List<List<Hits.StageStats>> perLeaf = new ArrayList<>();
    TopDocs top = search(searcher, perLeaf);
    long nanos = System.nanoTime() - t0;
    return new Profile(top, sumByLength(perLeaf), nanos);
  }

  /** Per code length, in increasing order, the segments' stages summed. */
  private static List<Hits.StageStats> sumByLength(List<List<Hits.StageStats>> perLeaf) {
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
    return stages;
  }

  /**
   * How many segments this JVM has searched through a copy of their codes, because their reader
   * did not reach {@link NhlCodec}'s columns (values written by another codec); each such segment
   * is copied once and logged once. 0 while every search reads the columns in place, as it does
   * through wrapping readers (timeouts, cancellation, security layers). A diagnostic for operators
   * and tests.
   */
  public static long segmentsCopied() {
    return LeafCodeSearch.COPIES.get();
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
    sb.append(dev.nhl.index.Codes.toHex(code)).append(", ").append(options);
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
    return field.equals(q.field) && Arrays.equals(code, q.code) && options.equals(q.options)
        && Objects.equals(filter, q.filter);
  }

  @Override
  public int hashCode() {
    return Objects.hash(classHash(), field, Arrays.hashCode(code), options, filter);
  }
}
