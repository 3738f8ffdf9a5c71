package dev.nhl.lucene;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.NIOFSDirectory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;

/**
 * Indexes written by earlier releases, kept as test resources, still read: version 0 of the doc
 * values format (columns only) and version 1 (with a prefix table), both under the codec's first
 * name {@code Nhl}. Each holds 300 documents written by the same program: document {@code i} has
 * id {@code i}, a 128-bit code in {@code code} (16/32/64/128) unless {@code i % 7 == 3}, and a
 * 32-bit code in {@code small} (8/16/32), all drawn from {@code new Random(20261201)}; documents
 * 0, 25, 50 ... are deleted; two segments of 150.
 */
public class TestFormatVersions extends LuceneTestCase {

  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64, 128);

  record Codes300(byte[][] code, byte[][] small) {}

  static Codes300 expected() {
    Random r = new Random(20261201L);
    byte[][] code = new byte[300][];
    byte[][] small = new byte[300][];
    for (int i = 0; i < 300; i++) {
      byte[] c = new byte[16];
      r.nextBytes(c);
      byte[] s = new byte[4];
      r.nextBytes(s);
      code[i] = i % 7 == 3 ? null : c;
      small[i] = s;
    }
    return new Codes300(code, small);
  }

  static Path unzip(String resource) throws IOException {
    Path dir = createTempDir(resource);
    try (InputStream in = TestFormatVersions.class.getResourceAsStream(resource);
        ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        Files.copy(zip, dir.resolve(e.getName()));
      }
    }
    return dir;
  }

  public void testVersion0() throws IOException {
    check("format0-index.zip");
  }

  public void testVersion1() throws IOException {
    check("format1-index.zip");
  }

  private void check(String resource) throws IOException {
    // the resources were written by Lucene 10.6: an older Lucene (the engine's, in the build that
    // checks nhl-lucene against it) cannot open them at all
    assumeTrue("the test indexes need Lucene 10.6 or later", org.apache.lucene.util.Version.LATEST.onOrAfter(
        org.apache.lucene.util.Version.fromBits(10, 6, 0)));
    Path path = unzip(resource);
    Codes300 codes = expected();
    for (boolean mapped : new boolean[] {true, false}) {
      try (Directory dir = mapped ? new MMapDirectory(path) : new NIOFSDirectory(path)) {
        for (SegmentCommitInfo si : SegmentInfos.readLatestCommit(dir)) {
          assertEquals(NhlLegacyCodec.NAME, si.info.getCodec().getName());
        }
        TestUtil.checkIndex(dir);
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
          assertEquals(288, reader.numDocs());
          searchesMatchTheOracle(reader, codes);
        }
      }
    }
    // a writer merges the old segments into one of the current codec and format
    try (Directory dir = new MMapDirectory(path)) {
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig().setCodec(new NhlCodec(new NhlDocValuesFormat(1))))) {
        w.forceMerge(1);
      }
      for (SegmentCommitInfo si : SegmentInfos.readLatestCommit(dir)) {
        assertEquals(NhlCodec.NAME, si.info.getCodec().getName());
      }
      TestUtil.checkIndex(dir);
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        assertEquals(1, reader.leaves().size());
        searchesMatchTheOracle(reader, codes);
      }
    }
  }

  private void searchesMatchTheOracle(DirectoryReader reader, Codes300 codes) throws IOException {
    IndexSearcher searcher = newSearcher(reader);
    int[] idOf = new int[reader.maxDoc()];
    for (LeafReaderContext ctx : reader.leaves()) {
      StoredFields stored = ctx.reader().storedFields();
      for (int d = 0; d < ctx.reader().maxDoc(); d++) {
        idOf[ctx.docBase + d] = Integer.parseInt(stored.document(d).get("id"));
      }
    }
    Random r = random();
    for (int q = 0; q < 10; q++) {
      byte[] query = new byte[16];
      r.nextBytes(query);
      if (r.nextBoolean()) {
        int i = 1 + r.nextInt(299);
        if (codes.code()[i] != null) {
          query = codes.code()[i].clone();
          query[r.nextInt(16)] ^= 4;
        }
      }
      for (int bits : SPEC.lengths()) {
        int k = 1 + r.nextInt(20);
        byte[] qb = java.util.Arrays.copyOf(query, bits / 8);
        List<int[]> expected = oracle(reader, idOf, codes.code(), qb, bits, k, bits);
        assertSame(expected, hits(searcher, NestedHammingQuery.exact("code", qb, k), k, idOf));
        assertSame(expected, hits(searcher, NestedHammingQuery.defaults("code", qb, k), k, idOf));
        List<int[]> within = oracle(reader, idOf, codes.code(), qb, bits, 300, bits / 4);
        assertSame(within, radius(searcher, new NestedHammingRadiusQuery("code", qb, bits, bits / 4), idOf, codes.code(), qb, bits));
      }
      byte[] small = codes.small()[r.nextInt(300)];
      List<int[]> expected = oracle(reader, idOf, codes.small(), small, 32, 7, 32);
      assertSame(expected, hits(searcher, NestedHammingQuery.defaults("small", small, 7), 7, idOf));
    }
  }

  /** (id, distance) of the live documents with a code, closest first, ties by doc. */
  private static List<int[]> oracle(DirectoryReader reader, int[] idOf, byte[][] codes, byte[] q, int bits, int k, int radius) {
    org.apache.lucene.util.Bits live = org.apache.lucene.index.MultiBits.getLiveDocs(reader);
    List<int[]> all = new ArrayList<>();
    for (int doc = 0; doc < reader.maxDoc(); doc++) {
      byte[] c = codes[idOf[doc]];
      if ((live == null || live.get(doc)) && c != null) {
        int d = Codes.hamming(c, q, bits);
        if (d <= radius) {
          all.add(new int[] {doc, d});
        }
      }
    }
    all.sort(Comparator.<int[]>comparingInt(a -> a[1]).thenComparingInt(a -> a[0]));
    return all.subList(0, Math.min(k, all.size()));
  }

  private static List<int[]> hits(IndexSearcher searcher, Query q, int k, int[] idOf) throws IOException {
    List<int[]> out = new ArrayList<>();
    for (ScoreDoc sd : searcher.search(q, k).scoreDocs) {
      out.add(new int[] {sd.doc, NestedHammingQuery.distance(sd.score)});
    }
    return out;
  }

  private static List<int[]> radius(IndexSearcher searcher, Query q, int[] idOf, byte[][] codes, byte[] query, int bits)
      throws IOException {
    List<int[]> out = new ArrayList<>();
    for (ScoreDoc sd : searcher.search(q, 1000).scoreDocs) {
      out.add(new int[] {sd.doc, Codes.hamming(codes[idOf[sd.doc]], query, bits)});
    }
    out.sort(Comparator.<int[]>comparingInt(a -> a[1]).thenComparingInt(a -> a[0]));
    return out;
  }

  private static void assertSame(List<int[]> expected, List<int[]> actual) {
    assertEquals("hit count", expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals("hit " + i, expected.get(i), actual.get(i));
    }
  }
}
