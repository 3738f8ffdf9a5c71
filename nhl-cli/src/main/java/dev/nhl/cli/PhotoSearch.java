package dev.nhl.cli;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import dev.nhl.index.Hits;
import dev.nhl.index.ProgressivePlan;
import dev.nhl.index.SearchOptions;
import dev.nhl.lucene.NestedHammingQuery;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
/**
 * How the photo index is searched: the default search (exact), nhl's other modes on request, a
 * tag as a filter, and the copies of the query first.
 */
final class PhotoSearch {

  private PhotoSearch() {}

  /**
   * A plan over every length of the spec, each stage keeping a quarter of the one before it (at
   * least k): on a small collection it costs next to nothing and shows the candidates narrowing.
   */
  static ProgressivePlan ladder(CodeSpec spec, int n, int k) {
    int m = spec.stages();
    ProgressivePlan.Stage[] stages = new ProgressivePlan.Stage[m];
    for (int j = 0; j < m; j++) {
      long keep = j == m - 1 ? k : Math.max(k, Math.min(n, (long) k << (2 * (m - 1 - j))));
      stages[j] = new ProgressivePlan.Stage(spec.length(j), (int) keep);
    }
    return ProgressivePlan.of(stages);
  }

  /** One hit: its rank, path, tag, code, and distance at each length of the spec. */
  record Hit(int rank, int doc, String path, String tag, byte[] code, int[] distances) {}

  /** A search's hits and its stages. */
  record Result(List<Hit> hits, List<Hits.StageStats> stages, long nanos) {}

  /** The default search: exact results. */
  static Result search(DirectoryReader reader, byte[] code, int k, String tag) throws IOException {
    return search(reader, code, k, tag, SearchOptions.Mode.DEFAULT, 0);
  }

  /**
   * Top k by the nested code in {@code mode} (nhl's modes: {@code PLAN} is the {@link #ladder};
   * {@code PROBE} ranks {@code candidates} codes), optionally among one tag's photos.
   */
  static Result search(DirectoryReader reader, byte[] code, int k, String tag, SearchOptions.Mode mode,
      long candidates) throws IOException {
    CodeSpec spec = PhotoIndex.spec(reader);
    Codes.checkCode(code, spec);
    IndexSearcher searcher = new IndexSearcher(reader);
    NestedHammingQuery q = switch (mode) {
      case DEFAULT -> NestedHammingQuery.defaults(PhotoIndex.CODE, code, k);
      case EXACT -> NestedHammingQuery.exact(PhotoIndex.CODE, code, k);
      case PROBE -> NestedHammingQuery.approximate(PhotoIndex.CODE, code, k, candidates);
      case PLAN -> NestedHammingQuery.approximate(PhotoIndex.CODE, code, ladder(spec, reader.maxDoc(), k));
    };
    if (tag != null && !tag.isBlank()) {
      q = q.withFilter(new TermQuery(new Term(PhotoIndex.TAG, tag)));
    }
    NestedHammingQuery.Profile p = q.profile(searcher);
    List<Hit> hits = new ArrayList<>();
    StoredFields stored = reader.storedFields();
    ScoreDoc[] sd = p.topDocs().scoreDocs;
    for (int i = 0; i < sd.length; i++) {
      Document d = stored.document(sd[i].doc);
      byte[] c = PhotoIndex.code(reader, sd[i].doc);
      int[] dist = new int[spec.stages()];
      for (int s = 0; s < dist.length; s++) {
        dist[s] = Codes.hamming(code, c, spec.length(s));
      }
      hits.add(new Hit(i + 1, sd[i].doc, d.get(PhotoIndex.PATH), d.get(PhotoIndex.TAG), c, dist));
    }
    return new Result(hits, p.stages(), p.nanos());
  }

  /**
   * The hits with the query's near-duplicates first (closest hash first), then the others in their
   * order, {@code k} in all: a copy of the query ranks above other photos whatever the model's
   * codes make of it. Near-duplicates outside {@code tag}, when one is given, are left out.
   */
  static List<Hit> copiesFirst(DirectoryReader reader, List<Hit> hits, byte[] code, List<Duplicates.Member> copies, int k,
      String tag) throws IOException {
    CodeSpec spec = PhotoIndex.spec(reader);
    StoredFields stored = reader.storedFields();
    List<Hit> out = new ArrayList<>();
    java.util.Set<Integer> taken = new java.util.HashSet<>();
    for (Duplicates.Member m : copies) {
      Document d = stored.document(m.doc());
      if (out.size() >= k || (tag != null && !tag.isBlank() && !tag.equals(d.get(PhotoIndex.TAG)))) {
        continue;
      }
      byte[] c = PhotoIndex.code(reader, m.doc());
      int[] dist = new int[spec.stages()];
      for (int s = 0; s < dist.length; s++) {
        dist[s] = Codes.hamming(code, c, spec.length(s));
      }
      out.add(new Hit(out.size() + 1, m.doc(), d.get(PhotoIndex.PATH), d.get(PhotoIndex.TAG), c, dist));
      taken.add(m.doc());
    }
    for (Hit h : hits) {
      if (out.size() < k && !taken.contains(h.doc())) {
        out.add(new Hit(out.size() + 1, h.doc(), h.path(), h.tag(), h.code(), h.distances()));
      }
    }
    return out;
  }
}
