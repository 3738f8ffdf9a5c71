package dev.nhl.lucene;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import dev.nhl.index.ProgressivePlan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.tests.search.QueryUtils;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/** {@link NestedHammingQuery} and {@link NestedHammingRadiusQuery} against a brute-force oracle. */
public class TestNestedHammingQuery extends LuceneTestCase {

  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64, 128);
  static final String[] TAGS = {"beach", "city", "forest"};

  /** The oracle's view of a document: its id, tag and code (null: none). */
  record Doc(String id, String tag, byte[] code) {}

  /** Indexes random documents in several segments, deletes some; returns id -> doc. */
  static Map<String, Doc> build(Directory dir, Random r, int n) throws IOException {
    return build(dir, r, n, false);
  }

  /**
   * The codec, writing prefix tables for every segment, for none, or for segments of some size:
   * the test segments are far below the default threshold.
   */
  static NhlCodec codec(Random r) {
    int minTableCodes = switch (r.nextInt(3)) {
      case 0 -> 1;
      case 1 -> Integer.MAX_VALUE;
      default -> 1 + r.nextInt(1000);
    };
    return new NhlCodec(new NhlDocValuesFormat(minTableCodes));
  }

  static Map<String, Doc> build(Directory dir, Random r, int n, boolean everyDocHasCode) throws IOException {
    return build(dir, r, n, everyDocHasCode, codec(r));
  }

  static Map<String, Doc> build(Directory dir, Random r, int n, boolean everyDocHasCode, NhlCodec codec)
      throws IOException {
    return build(dir, r, n, everyDocHasCode, codec, 8);
  }

  /** {@code prefixNoise}: one bit in this many of the first 64 is flipped from the centre. */
  static Map<String, Doc> build(
      Directory dir, Random r, int n, boolean everyDocHasCode, NhlCodec codec, int prefixNoise)
      throws IOException {
    Map<String, Doc> docs = new ConcurrentHashMap<>();
    IndexWriterConfig cfg = new IndexWriterConfig().setCodec(codec).setMaxBufferedDocs(50 + r.nextInt(300));
    Sort sort = r.nextBoolean() ? new Sort(new SortField("sort", SortField.Type.LONG)) : null;
    if (sort != null) {
      cfg.setIndexSort(sort);
    }
    byte[][] centres = new byte[8][16];
    for (byte[] c : centres) {
      r.nextBytes(c);
    }
    try (IndexWriter w = new IndexWriter(dir, cfg)) {
      for (int i = 0; i < n; i++) {
        Doc d = randomDoc(r, "d" + i, centres, prefixNoise);
        if (everyDocHasCode && d.code() == null) {
          d = new Doc(d.id(), d.tag(), centres[0].clone());
        }
        docs.put(d.id(), d);
        w.addDocument(toDocument(d));
        if (r.nextInt(10) == 0) {
          String victim = "d" + r.nextInt(i + 1);
          w.deleteDocuments(new Term("id", victim));
          docs.remove(victim);
        }
      }
    }
    // merges may have reclaimed every deletion above, or left one segment; a last round without
    // merges adds a segment and keeps some deletions
    IndexWriterConfig last = new IndexWriterConfig().setCodec(codec).setMergePolicy(NoMergePolicy.INSTANCE);
    if (sort != null) {
      last.setIndexSort(sort);
    }
    try (IndexWriter w = new IndexWriter(dir, last)) {
      for (int i = 0; i < 1 + n / 100; i++) {
        Doc d = randomDoc(r, "d" + (n + i), centres, prefixNoise);
        if (everyDocHasCode && d.code() == null) {
          d = new Doc(d.id(), d.tag(), centres[0].clone());
        }
        docs.put(d.id(), d);
        w.addDocument(toDocument(d));
      }
      for (int i = 0; i < 1 + n / 100; i++) {
        String victim = "d" + r.nextInt(n);
        w.deleteDocuments(new Term("id", victim));
        docs.remove(victim);
      }
    }
    return docs;
  }

  static Doc randomDoc(Random r, String id, byte[][] centres) {
    return randomDoc(r, id, centres, 8);
  }

  static Doc randomDoc(Random r, String id, byte[][] centres, int prefixNoise) {
    byte[] code = null;
    if (r.nextInt(6) != 0) {
      code = centres[r.nextInt(centres.length)].clone();
      for (int b = 0; b < 128; b++) {
        if (r.nextInt(b < 64 ? prefixNoise : 8) == 0) {
          code[b >>> 3] ^= (byte) (0x80 >>> (b & 7));
        }
      }
    }
    return new Doc(id, TAGS[r.nextInt(TAGS.length)], code);
  }

  static Document toDocument(Doc d) {
    Document doc = new Document();
    doc.add(new StringField("id", d.id(), Field.Store.NO));
    doc.add(new SortedDocValuesField("idv", new BytesRef(d.id())));
    doc.add(new StringField("tag", d.tag(), Field.Store.NO));
    doc.add(new NumericDocValuesField("sort", d.id().hashCode() % 1000));
    if (d.code() != null) {
      doc.add(new NestedCodeField("code", d.code(), SPEC));
    }
    return doc;
  }

  /** Global doc id -> id, for the live documents of a reader. */
  static Map<Integer, String> ids(IndexReader reader) throws IOException {
    Map<Integer, String> out = new java.util.HashMap<>();
    for (LeafReaderContext ctx : reader.leaves()) {
      SortedDocValues v = ctx.reader().getSortedDocValues("idv");
      Bits live = ctx.reader().getLiveDocs();
      for (int doc = 0; doc < ctx.reader().maxDoc(); doc++) {
        if ((live == null || live.get(doc)) && v.advanceExact(doc)) {
          out.put(ctx.docBase + doc, v.lookupOrd(v.ordValue()).utf8ToString());
        }
      }
    }
    return out;
  }

  /** Brute force: (global doc, distance) of the k nearest, ties by doc. */
  static List<int[]> oracle(IndexReader reader, Map<String, Doc> docs, byte[] q, int bits, String tag, int k)
      throws IOException {
    List<int[]> all = new ArrayList<>();
    for (Map.Entry<Integer, String> e : ids(reader).entrySet()) {
      Doc d = docs.get(e.getValue());
      if (d == null || d.code() == null || (tag != null && !tag.equals(d.tag()))) {
        continue;
      }
      all.add(new int[] {e.getKey(), Codes.hamming(d.code(), q, bits)});
    }
    all.sort(Comparator.<int[]>comparingInt(a -> a[1]).thenComparingInt(a -> a[0]));
    return all.subList(0, Math.min(k, all.size()));
  }

  static List<int[]> hits(IndexSearcher searcher, Query q, int k) throws IOException {
    TopDocs top = searcher.search(q, Math.max(1, k));
    List<int[]> out = new ArrayList<>();
    for (ScoreDoc sd : top.scoreDocs) {
      out.add(new int[] {sd.doc, NestedHammingQuery.distance(sd.score)});
    }
    return out;
  }

  static void assertSameHits(String msg, List<int[]> expected, List<int[]> actual) {
    assertEquals(msg + ": hit count", expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(msg + ": hit " + i, expected.get(i), actual.get(i));
    }
  }

  public void testExactAndExhaustiveProgressiveMatchTheOracle() throws IOException {
    Random r = random();
    // a mapped directory takes the column path; the test framework's random one may not
    for (boolean mapped : new boolean[] {true, false}) {
      try (Directory dir = mapped ? new MMapDirectory(createTempDir()) : newDirectory()) {
        Map<String, Doc> docs = build(dir, r, atLeast(3000));
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
          assertTrue("several segments", reader.leaves().size() > 1 || !mapped);
          IndexSearcher searcher = newSearcher(reader);
          for (int iter = 0; iter < 20; iter++) {
            byte[] q = new byte[16];
            r.nextBytes(q);
            int k = 1 + r.nextInt(r.nextBoolean() ? 10 : 200);
            int bits = SPEC.length(r.nextInt(SPEC.stages()));
            String tag = r.nextBoolean() ? null : TAGS[r.nextInt(TAGS.length)];
            Query filter = tag == null ? null : new TermQuery(new Term("tag", tag));
            List<int[]> expected = oracle(reader, docs, q, bits, tag, k);
            String msg = "mapped=" + mapped + " k=" + k + " bits=" + bits + " tag=" + tag;
            assertSameHits(msg, expected,
                hits(searcher, NestedHammingQuery.exact("code", q, k, bits).withFilter(filter), k));
            ProgressivePlan all = ProgressivePlan.exhaustive(SPEC, bits, k);
            assertSameHits(msg + " exhaustive", expected,
                hits(searcher, NestedHammingQuery.approximate("code", q, all).withFilter(filter), k));
            // a query code as long as the final length: every mode searches at that length
            byte[] shortQ = java.util.Arrays.copyOf(q, bits / 8);
            assertSameHits(msg + " probing all, short code", expected,
                hits(searcher, NestedHammingQuery.approximate("code", shortQ, k, Long.MAX_VALUE).withFilter(filter), k));
            assertSameHits(msg + " default, short code", expected,
                hits(searcher, NestedHammingQuery.defaults("code", shortQ, k).withFilter(filter), k));
            assertSameHits(msg + " exact, short code", expected,
                hits(searcher, NestedHammingQuery.exact("code", shortQ, k).withFilter(filter), k));
            assertSameHits(msg + " exhaustive, short code", expected,
                hits(searcher, NestedHammingQuery.approximate("code", shortQ, all).withFilter(filter), k));
            if (bits == 128) {
              // probing every code of a segment's table, and the default on segments this small
              assertSameHits(msg + " probing all", expected,
                  hits(searcher, NestedHammingQuery.approximate("code", q, k, Long.MAX_VALUE).withFilter(filter), k));
              assertSameHits(msg + " default", expected,
                  hits(searcher, NestedHammingQuery.defaults("code", q, k).withFilter(filter), k));
            }
          }
        }
      }
    }
  }

  /** A field every document has: ordinals are doc ids, and deletions are copied as words. */
  public void testDenseFieldWithDeletionsAndFilters() throws IOException {
    Random r = random();
    try (Directory dir = new MMapDirectory(createTempDir())) {
      Map<String, Doc> docs = build(dir, r, 3000, true);
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        assertTrue(reader.numDeletedDocs() > 0);
        IndexSearcher searcher = newSearcher(reader);
        for (int iter = 0; iter < 10; iter++) {
          byte[] q = new byte[16];
          r.nextBytes(q);
          int k = 1 + r.nextInt(300);
          String tag = iter % 2 == 0 ? null : TAGS[r.nextInt(TAGS.length)];
          Query filter = tag == null ? null : new TermQuery(new Term("tag", tag));
          assertSameHits("dense k=" + k + " tag=" + tag, oracle(reader, docs, q, 128, tag, k),
              hits(searcher, NestedHammingQuery.exact("code", q, k).withFilter(filter), k));
        }
      }
    }
  }

  public void testDefaultProgressiveFindsClusteredNeighbours() throws IOException {
    Random r = random();
    try (Directory dir = new MMapDirectory(createTempDir())) {
      Map<String, Doc> docs = build(dir, r, 6000);
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = newSearcher(reader);
        int found = 0;
        int total = 0;
        for (Doc d : docs.values()) {
          if (d.code() == null) {
            continue;
          }
          List<int[]> expected = oracle(reader, docs, d.code(), 128, null, 10);
          // the plan the default gives a million codes (these segments are small enough for exact)
          List<int[]> actual = hits(searcher,
              NestedHammingQuery.approximate("code", d.code(), ProgressivePlan.defaultPlan(SPEC, 1_000_000, 10, 128)), 10);
          for (int[] e : expected) {
            for (int[] a : actual) {
              if (a[0] == e[0]) {
                found++;
              }
            }
          }
          total += expected.size();
          if (total >= 300) {
            break;
          }
        }
        assertTrue("recall@10 " + found / (double) total, found >= 0.9 * total);
      }
    }
  }

  /**
   * A probe ranks a fraction of the codes of segments with a prefix table; each hit's distance is
   * its document's own (the table maps to the right documents, sparse, sorted or not), and it finds
   * most clustered neighbours.
   */
  public void testProbingTheTablesFindsNeighbours() throws IOException {
    Random r = random();
    try (Directory dir = new MMapDirectory(createTempDir())) {
      // prefixes more reliable than the rest, as a nested hash layer trains them
      Map<String, Doc> docs = build(dir, r, 6000, r.nextBoolean(), new NhlCodec(new NhlDocValuesFormat(1)), 32);
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = newSearcher(reader);
        Map<Integer, String> ids = ids(reader);
        long codes = docs.values().stream().filter(d -> d.code() != null).count();
        int found = 0;
        int total = 0;
        for (Doc d : docs.values()) {
          if (d.code() == null) {
            continue;
          }
          byte[] q = d.code().clone();
          q[r.nextInt(16)] ^= (byte) (1 << r.nextInt(8));
          NestedHammingQuery.Profile p = NestedHammingQuery.approximate("code", q, 10, 200).profile(searcher);
          if (total < 100) {
            // a code shorter than the field probes the tables at its own length; all candidates: exact
            byte[] half = java.util.Arrays.copyOf(q, 8);
            assertSameHits("probing a 64-bit code", oracle(reader, docs, q, 64, null, 10),
                hits(searcher, NestedHammingQuery.approximate("code", half, 10, Long.MAX_VALUE), 10));
          }
          long ranked = p.stages().stream().mapToLong(s -> s.candidates()).sum();
          assertTrue("ranked " + ranked + " of " + codes, ranked < codes);
          for (ScoreDoc sd : p.topDocs().scoreDocs) {
            Doc hit = docs.get(ids.get(sd.doc));
            assertEquals("distance of doc " + sd.doc, Codes.hamming(hit.code(), q, 128), NestedHammingQuery.distance(sd.score));
          }
          for (int[] e : oracle(reader, docs, q, 128, null, 10)) {
            total++;
            for (ScoreDoc sd : p.topDocs().scoreDocs) {
              found += sd.doc == e[0] ? 1 : 0;
            }
          }
          if (total >= 300) {
            break;
          }
        }
        assertTrue("recall@10 " + found / (double) total, found >= 0.8 * total);
      }
    }
  }

  /** Tables are for code fields: a plain fixed-length binary field is searched over its columns. */
  public void testOnlyCodeFieldsGetTables() throws IOException {
    Random r = random();
    try (Directory dir = new MMapDirectory(createTempDir())) {
      int n = 2000;
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig().setCodec(new NhlCodec(new NhlDocValuesFormat(1))))) {
        for (int i = 0; i < n; i++) {
          byte[] code = new byte[16];
          r.nextBytes(code);
          Document doc = new Document();
          doc.add(new NestedCodeField("code", code, SPEC));
          doc.add(new org.apache.lucene.document.BinaryDocValuesField("plain", new BytesRef(code)));
          w.addDocument(doc);
        }
        w.forceMerge(1);
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = newSearcher(reader);
        byte[] q = new byte[16];
        r.nextBytes(q);
        NestedHammingQuery.Profile code = NestedHammingQuery.approximate("code", q, 10, 1).profile(searcher);
        NestedHammingQuery.Profile plain = NestedHammingQuery.approximate("plain", q, 10, 1).profile(searcher);
        assertTrue("the code field's table is probed", code.stages().getFirst().candidates() < n);
        assertEquals("the plain field is scanned", n, plain.stages().getFirst().candidates());
      }
    }
  }

  /** A profile returns the search's own hits, and stages of increasing length up to the final one. */
  public void testProfileReportsTheStages() throws IOException {
    Random r = random();
    try (Directory dir = new MMapDirectory(createTempDir())) {
      Map<String, Doc> docs = build(dir, r, 6000, true);
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = newSearcher(reader);
        byte[] q = new byte[16];
        r.nextBytes(q);
        ProgressivePlan plan = ProgressivePlan.of(new ProgressivePlan.Stage(16, 500), new ProgressivePlan.Stage(64, 100),
            new ProgressivePlan.Stage(128, 10));
        NestedHammingQuery query = NestedHammingQuery.approximate("code", q, plan);
        NestedHammingQuery.Profile p = query.profile(searcher);
        List<int[]> profiled = new ArrayList<>();
        for (ScoreDoc sd : p.topDocs().scoreDocs) {
          profiled.add(new int[] {sd.doc, NestedHammingQuery.distance(sd.score)});
        }
        assertSameHits("profile", hits(searcher, query, 10), profiled);
        assertEquals(3, p.stages().size());
        assertEquals(16, p.stages().get(0).length());
        assertEquals(128, p.stages().get(2).length());
        // every document has a code; the first stage scans them all, deleted ones masked in the scan
        assertEquals("first stage scans every code", reader.maxDoc(), p.stages().get(0).candidates());
        int kept = 0;
        for (LeafReaderContext ctx : reader.leaves()) {
          kept += Math.min(10, ctx.reader().numDocs());
        }
        assertEquals("each segment returns its own top 10", kept, p.stages().get(2).kept());
        assertTrue(p.nanos() > 0);
        assertEquals(docs.size(), reader.numDocs());
      }
    }
  }

  public void testRadiusQueryAsFilterClause() throws IOException {
    Random r = random();
    try (Directory dir = random().nextBoolean() ? new MMapDirectory(createTempDir()) : newDirectory()) {
      Map<String, Doc> docs = build(dir, r, 2000);
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = newSearcher(reader);
        Map<Integer, String> ids = ids(reader);
        for (int iter = 0; iter < 10; iter++) {
          Doc probe = docs.values().stream().filter(d -> d.code() != null).skip(r.nextInt(100)).findFirst().orElseThrow();
          int bits = SPEC.length(r.nextInt(SPEC.stages()));
          int radius = r.nextInt(bits / 4 + 1);
          String tag = TAGS[r.nextInt(TAGS.length)];
          BooleanQuery q = new BooleanQuery.Builder()
              .add(new TermQuery(new Term("tag", tag)), BooleanClause.Occur.MUST)
              .add(new NestedHammingRadiusQuery("code", probe.code(), bits, radius), BooleanClause.Occur.FILTER)
              .build();
          java.util.Set<Integer> expected = new java.util.TreeSet<>();
          for (Map.Entry<Integer, String> e : ids.entrySet()) {
            Doc d = docs.get(e.getValue());
            if (d.code() != null && d.tag().equals(tag) && Codes.hamming(d.code(), probe.code(), bits) <= radius) {
              expected.add(e.getKey());
            }
          }
          java.util.Set<Integer> actual = new java.util.TreeSet<>();
          for (ScoreDoc sd : searcher.search(q, Math.max(1, reader.maxDoc())).scoreDocs) {
            actual.add(sd.doc);
          }
          assertEquals("bits=" + bits + " radius=" + radius + " tag=" + tag, expected, actual);
        }
      }
    }
  }

  /**
   * Radius 0 in a segment of 10,000 codes with a prefix table: one bucket is at most n / 8192 of
   * them, so the table answers, and it must agree with the oracle (duplicates, deletions, a filter).
   */
  public void testRadiusZeroThroughThePrefixTable() throws IOException {
    Random r = random();
    try (Directory dir = new MMapDirectory(createTempDir())) {
      byte[][] distinct = new byte[200][16];
      for (byte[] c : distinct) {
        r.nextBytes(c);
      }
      Map<String, Doc> docs = new java.util.HashMap<>();
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig().setCodec(new NhlCodec(new NhlDocValuesFormat(1))))) {
        for (int i = 0; i < 10_000; i++) {
          Doc d = new Doc("d" + i, TAGS[r.nextInt(TAGS.length)], r.nextInt(10) == 0 ? null : distinct[r.nextInt(200)].clone());
          docs.put(d.id(), d);
          w.addDocument(toDocument(d));
        }
        w.forceMerge(1);
        for (int i = 0; i < 300; i++) {
          String victim = "d" + r.nextInt(10_000);
          w.deleteDocuments(new Term("id", victim));
          docs.remove(victim);
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = newSearcher(reader);
        Map<Integer, String> ids = ids(reader);
        for (int iter = 0; iter < 10; iter++) {
          byte[] q = distinct[r.nextInt(200)];
          int bits = SPEC.length(r.nextInt(SPEC.stages()));
          String tag = TAGS[r.nextInt(TAGS.length)];
          BooleanQuery query = new BooleanQuery.Builder()
              .add(new TermQuery(new Term("tag", tag)), BooleanClause.Occur.MUST)
              .add(new NestedHammingRadiusQuery("code", q, bits, 0), BooleanClause.Occur.FILTER)
              .build();
          java.util.Set<Integer> expected = new java.util.TreeSet<>();
          for (Map.Entry<Integer, String> e : ids.entrySet()) {
            Doc d = docs.get(e.getValue());
            if (d.code() != null && d.tag().equals(tag) && Codes.hamming(d.code(), q, bits) == 0) {
              expected.add(e.getKey());
            }
          }
          assertFalse(expected.isEmpty());
          java.util.Set<Integer> actual = new java.util.TreeSet<>();
          for (ScoreDoc sd : searcher.search(query, reader.maxDoc()).scoreDocs) {
            actual.add(sd.doc);
          }
          assertEquals("bits=" + bits + " tag=" + tag, expected, actual);
        }
      }
    }
  }

  public void testQueryContract() throws IOException {
    byte[] q = Codes.fromHex("00112233445566778899aabbccddeeff");
    Query a = NestedHammingQuery.exact("code", q, 5);
    QueryUtils.checkEqual(a, NestedHammingQuery.exact("code", q.clone(), 5));
    QueryUtils.checkUnequal(a, NestedHammingQuery.exact("code", q, 6));
    QueryUtils.checkUnequal(a, NestedHammingQuery.defaults("code", q, 5));
    QueryUtils.checkUnequal(NestedHammingQuery.defaults("code", q, 5), NestedHammingQuery.approximate("code", q, 5, 100));
    QueryUtils.checkUnequal(NestedHammingQuery.approximate("code", q, 5, 100), NestedHammingQuery.approximate("code", q, 5, 101));
    QueryUtils.checkEqual(NestedHammingQuery.approximate("code", q, 5, 100), NestedHammingQuery.approximate("code", q, 5, 100));
    assertEquals("NestedHammingQuery(code, 00112233445566778899aabbccddeeff, probe(k=5, length=128, candidates=100))",
        NestedHammingQuery.approximate("code", q, 5, 100).toString());
    expectThrows(IllegalArgumentException.class, () -> NestedHammingQuery.approximate("code", q, 5, 0));
    QueryUtils.checkUnequal(a, NestedHammingQuery.exact("code", q, 5).withFilter(new TermQuery(new Term("tag", "x"))));
    assertEquals("NestedHammingQuery(code, 00112233445566778899aabbccddeeff, exact(k=5, length=128))", a.toString());
    QueryUtils.checkEqual(new NestedHammingRadiusQuery("code", q, 32, 3), new NestedHammingRadiusQuery("code", q, 32, 3));
    QueryUtils.checkUnequal(new NestedHammingRadiusQuery("code", q, 32, 3), new NestedHammingRadiusQuery("code", q, 32, 4));
    expectThrows(IllegalArgumentException.class, () -> NestedHammingQuery.exact("code", q, 0));
    expectThrows(IllegalArgumentException.class, () -> NestedHammingQuery.exact("code", q, 5, 12));
    expectThrows(IllegalArgumentException.class, () -> NestedHammingQuery.exact("code", q, 5, 256));
    expectThrows(IllegalArgumentException.class, () -> new NestedHammingRadiusQuery("code", q, 32, 33));
    // the rewritten query belongs to one reader
    try (Directory dir = newDirectory()) {
      build(dir, random(), 50);
      try (DirectoryReader r1 = DirectoryReader.open(dir)) {
        Query rewritten = newSearcher(r1).rewrite(a);
        try (DirectoryReader r2 = DirectoryReader.open(dir)) {
          expectThrows(IllegalStateException.class, () -> new IndexSearcher(r2).search(rewritten, 5));
        }
      }
    }
  }

  /** Searchers during continuous indexing and NRT reopens: every result matches its reader's oracle. */
  public void testConcurrentSearchDuringIndexing() throws Exception {
    Random seedSource = random();
    long seed = seedSource.nextLong();
    try (Directory dir = new MMapDirectory(createTempDir())) {
      Map<String, Doc> docs = new ConcurrentHashMap<>();
      byte[][] centres = new byte[4][16];
      Random r0 = new Random(seed);
      for (byte[] c : centres) {
        r0.nextBytes(c);
      }
      IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig().setCodec(codec(new Random(seed))).setMaxBufferedDocs(100));
      SearcherManager manager = new SearcherManager(writer, null);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger checks = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> futures = new ArrayList<>();
        futures.add(pool.submit(() -> {
          Random r = new Random(seed + 1);
          for (int i = 0; i < 3000; i++) {
            Doc d = randomDoc(r, "d" + i, centres);
            docs.put(d.id(), d); // before the add: a reader that sees the doc finds it in the map
            writer.addDocument(toDocument(d));
            if (r.nextInt(8) == 0) {
              writer.deleteDocuments(new Term("id", "d" + r.nextInt(i + 1)));
            }
          }
          stop.set(true);
          return null;
        }));
        futures.add(pool.submit(() -> {
          while (!stop.get()) {
            manager.maybeRefresh();
            Thread.sleep(5);
          }
          return null;
        }));
        for (int t = 0; t < 2; t++) {
          long s = seed + 10 + t;
          futures.add(pool.submit(() -> {
            Random r = new Random(s);
            while (!stop.get() || checks.get() < 20) {
              IndexSearcher searcher = manager.acquire();
              try {
                byte[] q = centres[r.nextInt(centres.length)].clone();
                q[r.nextInt(16)] ^= 1;
                int k = 1 + r.nextInt(20);
                List<int[]> expected = oracle(searcher.getIndexReader(), docs, q, 128, null, k);
                assertSameHits("concurrent", expected, hits(searcher, NestedHammingQuery.exact("code", q, k), k));
                assertSameHits("concurrent probing", expected,
                    hits(searcher, NestedHammingQuery.approximate("code", q, k, Long.MAX_VALUE), k));
                checks.incrementAndGet();
              } finally {
                manager.release(searcher);
              }
            }
            return null;
          }));
        }
        for (Future<?> f : futures) {
          f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        stop.set(true);
        pool.shutdownNow();
        manager.close();
        writer.close();
      }
      assertTrue("searches checked: " + checks.get(), checks.get() >= 20);
    }
  }

  /** A reader whose every leaf is wrapped, binary doc values included, as security and timeout layers wrap them. */
  static DirectoryReader wrapped(DirectoryReader in) throws IOException {
    return new org.apache.lucene.index.FilterDirectoryReader(in, new org.apache.lucene.index.FilterDirectoryReader.SubReaderWrapper() {
      @Override
      public org.apache.lucene.index.LeafReader wrap(org.apache.lucene.index.LeafReader leaf) {
        return new org.apache.lucene.index.FilterLeafReader(leaf) {
          @Override
          public org.apache.lucene.index.BinaryDocValues getBinaryDocValues(String field) throws IOException {
            org.apache.lucene.index.BinaryDocValues v = super.getBinaryDocValues(field);
            return v == null ? null : new org.apache.lucene.index.FilterBinaryDocValues(v) {};
          }

          @Override
          public CacheHelper getCoreCacheHelper() {
            return in.getCoreCacheHelper();
          }

          @Override
          public CacheHelper getReaderCacheHelper() {
            return null;
          }
        };
      }
    }) {
      @Override
      protected DirectoryReader doWrapDirectoryReader(DirectoryReader reader) throws IOException {
        return wrapped(reader);
      }

      @Override
      public CacheHelper getReaderCacheHelper() {
        return null;
      }
    };
  }

  /**
   * Wrapped leaves keep the codec's columns: the same hits as the plain reader, and no copy of
   * any segment's values; under another codec the copy is made once per segment, not per search.
   */
  public void testWrappedLeavesKeepTheColumnsAndCopiesAreMadeOnce() throws IOException {
    Random r = random();
    try (Directory dir = new MMapDirectory(createTempDir())) {
      Map<String, Doc> docs = build(dir, r, 2000);
      try (DirectoryReader plain = DirectoryReader.open(dir); DirectoryReader wrapped = wrapped(DirectoryReader.open(dir))) {
        IndexSearcher ps = newSearcher(plain);
        IndexSearcher ws = new IndexSearcher(wrapped);
        long copies = LeafCodeSearch.COPIES.get();
        for (int iter = 0; iter < 10; iter++) {
          byte[] q = new byte[16];
          r.nextBytes(q);
          int bits = SPEC.length(r.nextInt(SPEC.stages()));
          int k = 1 + r.nextInt(50);
          List<int[]> expected = oracle(wrapped, docs, q, bits, null, k);
          assertSameHits("wrapped exact", expected, hits(ws, NestedHammingQuery.exact("code", q, k, bits), k));
          assertSameHits("wrapped default", expected,
              hits(ws, NestedHammingQuery.defaults("code", java.util.Arrays.copyOf(q, bits / 8), k), k));
          assertSameHits("plain exact", expected, hits(ps, NestedHammingQuery.exact("code", q, k, bits), k));
        }
        assertEquals("copies of columnar segments", copies, LeafCodeSearch.COPIES.get());
      }
    }
    try (Directory dir = newDirectory()) {
      Map<String, Doc> docs = new ConcurrentHashMap<>();
      IndexWriterConfig cfg = new IndexWriterConfig().setCodec(org.apache.lucene.codecs.Codec.forName("Lucene104"));
      try (IndexWriter w = new IndexWriter(dir, cfg)) {
        byte[][] centres = new byte[4][16];
        for (byte[] c : centres) {
          r.nextBytes(c);
        }
        for (int i = 0; i < 300; i++) {
          Doc d = randomDoc(r, "d" + i, centres, 8);
          docs.put(d.id(), d);
          w.addDocument(toDocument(d));
          if (i % 100 == 99) {
            w.commit();
          }
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = new IndexSearcher(reader);
        long before = LeafCodeSearch.COPIES.get();
        for (int iter = 0; iter < 5; iter++) {
          byte[] q = new byte[16];
          r.nextBytes(q);
          List<int[]> expected = oracle(reader, docs, q, 128, null, 10);
          assertSameHits("another codec", expected, hits(searcher, NestedHammingQuery.exact("code", q, 10), 10));
        }
        assertEquals("one copy per segment", reader.leaves().size(), LeafCodeSearch.COPIES.get() - before);
      }
    }
  }
}
