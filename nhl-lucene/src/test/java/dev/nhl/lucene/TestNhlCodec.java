package dev.nhl.lucene;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/** The codec end to end: SPI, field validation, CheckIndex after random operations, corruption. */
public class TestNhlCodec extends LuceneTestCase {

  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64, 128);

  public void testRegisteredWithTheServiceLoader() {
    assertEquals(NhlCodec.class, Codec.forName(NhlCodec.NAME).getClass());
    assertEquals(NhlDocValuesFormat.class, DocValuesFormat.forName(NhlDocValuesFormat.NAME).getClass());
  }

  public void testCodeThatDoesNotFitTheSpecIsRejectedBeforeIndexing() throws IOException {
    try (Directory dir = new ByteBuffersDirectory();
        IndexWriter w = new IndexWriter(dir, new IndexWriterConfig().setCodec(new NhlCodec()))) {
      IllegalArgumentException e =
          expectThrows(IllegalArgumentException.class, () -> new NestedCodeField("code", new byte[15], SPEC));
      assertTrue(e.getMessage(), e.getMessage().contains("got 15 bytes"));
      expectThrows(IllegalArgumentException.class, () -> new NestedCodeField("code", new byte[16], null));
      w.commit();
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        assertEquals(0, r.maxDoc());
      }
    }
  }

  /**
   * Lucene records field attributes without checking them, so a second spec for one field is not
   * refused at addDocument; the values stay readable, and a segment whose values differ in length
   * falls back to the offsets layout.
   */
  public void testCodesOfTwoLengthsInOneFieldStayReadable() throws IOException {
    try (Directory dir = new ByteBuffersDirectory();
        IndexWriter w = new IndexWriter(dir, new IndexWriterConfig().setCodec(new NhlCodec()))) {
      Document a = new Document();
      a.add(new NestedCodeField("code", Codes.fromHex("0102030405060708090a0b0c0d0e0f10"), SPEC));
      w.addDocument(a);
      Document b = new Document();
      b.add(new NestedCodeField("code", Codes.fromHex("a1a2a3a4a5a6a7a8"), CodeSpec.of(32, 64)));
      w.addDocument(b);
      w.commit();
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        BinaryDocValues v = r.leaves().get(0).reader().getBinaryDocValues("code");
        assertTrue(v.advanceExact(0));
        assertEquals("0102030405060708090a0b0c0d0e0f10", Codes.toHex(BytesRef.deepCopyOf(v.binaryValue()).bytes));
        assertTrue(v.advanceExact(1));
        assertEquals("a1a2a3a4a5a6a7a8", Codes.toHex(BytesRef.deepCopyOf(v.binaryValue()).bytes));
      }
    }
  }

  /** Random adds, updates, deletes, merges, with or without index sorting; CheckIndex and values. */
  public void testCheckIndexAfterRandomOperations() throws IOException {
    Random r = random();
    try (Directory dir = newDirectory()) {
      IndexWriterConfig cfg = newIndexWriterConfig().setCodec(TestNestedHammingQuery.codec(r));
      if (r.nextBoolean()) {
        cfg.setIndexSort(new Sort(new SortField("sort", SortField.Type.LONG)));
      }
      Map<String, byte[]> expected = new HashMap<>();
      Map<String, byte[]> expectedBlob = new HashMap<>();
      try (IndexWriter w = new IndexWriter(dir, cfg)) {
        int ops = atLeast(2000);
        for (int i = 0; i < ops; i++) {
          String id = Integer.toString(r.nextInt(ops / 2));
          int op = r.nextInt(20);
          if (op == 0) {
            w.deleteDocuments(new Term("id", id));
            expected.remove(id);
            expectedBlob.remove(id);
          } else {
            Document doc = new Document();
            doc.add(new StringField("id", id, Field.Store.NO));
            doc.add(new SortedDocValuesField("idv", new BytesRef(id)));
            doc.add(new NumericDocValuesField("sort", r.nextInt(1000)));
            expected.remove(id);
            expectedBlob.remove(id);
            if (r.nextInt(5) != 0) { // some documents have no code: sparse fields
              byte[] code = new byte[16];
              r.nextBytes(code);
              doc.add(new NestedCodeField("code", code, SPEC));
              expected.put(id, code);
            }
            if (r.nextBoolean()) { // another binary field, of varying length
              byte[] blob = new byte[r.nextInt(40)];
              r.nextBytes(blob);
              doc.add(new BinaryDocValuesField("blob", new BytesRef(blob)));
              expectedBlob.put(id, blob);
            }
            w.updateDocument(new Term("id", id), doc);
          }
          if (r.nextInt(300) == 0) {
            w.commit();
          }
        }
        if (r.nextBoolean()) {
          w.forceMerge(1);
        }
      }
      CheckIndex.Status status = TestUtil.checkIndex(dir);
      assertTrue(status.clean);
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        assertValues(reader, "code", expected);
        assertValues(reader, "blob", expectedBlob);
      }
    }
  }

  private static void assertValues(DirectoryReader reader, String field, Map<String, byte[]> expected)
      throws IOException {
    int seen = 0;
    for (LeafReaderContext ctx : reader.leaves()) {
      LeafReader leaf = ctx.reader();
      Bits live = leaf.getLiveDocs();
      BinaryDocValues values = leaf.getBinaryDocValues(field);
      SortedDocValues ids = leaf.getSortedDocValues("idv");
      for (int doc = 0; doc < leaf.maxDoc(); doc++) {
        if (live != null && !live.get(doc)) {
          continue;
        }
        assertTrue(ids.advanceExact(doc));
        String id = ids.lookupOrd(ids.ordValue()).utf8ToString();
        byte[] want = expected.get(id);
        boolean has = values != null && values.advanceExact(doc);
        assertEquals("doc " + id, want != null, has);
        if (has) {
          assertEquals("doc " + id, new BytesRef(want), values.binaryValue());
          seen++;
        }
      }
    }
    assertEquals(expected.size(), seen);
  }

  /**
   * Every byte of the format's files of a small segment flipped, and every length those files can
   * be cut to: always {@link CorruptIndexException} (or, for a damaged version number, the format
   * version exceptions) when the segment is opened and checked, never another exception, a hang
   * or data.
   */
  public void testEveryFlipAndEveryTruncationIsDetected() throws IOException {
    Random r = random();
    int checked = 0;
    try (Directory source = segment(r, 40)) {
      for (Map.Entry<String, byte[]> e : formatFiles(source).entrySet()) {
        byte[] good = e.getValue();
        for (int at = 0; at < good.length; at++) {
          byte[] b = good.clone();
          b[at] ^= (byte) (1 + r.nextInt(255));
          expectCorrupt(source, e.getKey(), b, "flip at " + at);
          checked++;
        }
        for (int len = 0; len < good.length; len++) {
          expectCorrupt(source, e.getKey(), java.util.Arrays.copyOf(good, len), "cut to " + len);
          checked++;
        }
      }
    }
    assertTrue("checked " + checked, checked > 1000);
  }

  /** Random flips and cuts of the format's files of a large segment (50,000 codes): always detected. */
  public void testRandomFlipsAndCutsOfALargeSegmentAreDetected() throws IOException {
    Random r = random();
    try (Directory source = segment(r, 50_000)) {
      for (Map.Entry<String, byte[]> e : formatFiles(source).entrySet()) {
        byte[] good = e.getValue();
        for (int i = 0; i < 10; i++) {
          byte[] b = good.clone();
          int at = r.nextInt(b.length);
          b[at] ^= (byte) (1 + r.nextInt(255));
          expectCorrupt(source, e.getKey(), b, "flip at " + at);
          int len = r.nextInt(good.length);
          expectCorrupt(source, e.getKey(), java.util.Arrays.copyOf(good, len), "cut to " + len);
        }
      }
    }
  }

  /**
   * One force-merged segment in nhl's format, without a compound file (the format's own files are
   * there to damage) and with tables whatever its size; every seventh document has no code, every
   * one another binary field and a numeric one.
   */
  private static Directory segment(Random r, int docs) throws IOException {
    Directory dir = new ByteBuffersDirectory();
    IndexWriterConfig cfg =
        new IndexWriterConfig().setCodec(new NhlCodec(new NhlDocValuesFormat(1))).setUseCompoundFile(false);
    cfg.getMergePolicy().setNoCFSRatio(0.0);
    try (IndexWriter w = new IndexWriter(dir, cfg)) {
      for (int i = 0; i < docs; i++) {
        Document doc = new Document();
        if (i % 7 != 0) {
          byte[] code = new byte[16];
          r.nextBytes(code);
          doc.add(new NestedCodeField("code", code, SPEC));
        }
        doc.add(new BinaryDocValuesField("blob", new BytesRef(Codes.fromHex(i % 2 == 0 ? "00" : "0102"))));
        doc.add(new NumericDocValuesField("n", i));
        w.addDocument(doc);
      }
      w.forceMerge(1);
    }
    return dir;
  }

  /** The format's files (meta and data) of a directory, with their bytes. */
  private static Map<String, byte[]> formatFiles(Directory dir) throws IOException {
    Map<String, byte[]> out = new java.util.TreeMap<>();
    for (String file : dir.listAll()) {
      if (file.endsWith("." + NhlDocValuesFormat.META_EXTENSION) || file.endsWith("." + NhlDocValuesFormat.DATA_EXTENSION)) {
        try (IndexInput in = dir.openInput(file, IOContext.DEFAULT)) {
          byte[] b = new byte[(int) in.length()];
          in.readBytes(b, 0, b.length);
          out.put(file, b);
        }
      }
    }
    assertEquals("a meta and a data file", 2, out.size());
    return out;
  }

  /** The segment with {@code file} replaced by {@code bytes} fails to open or to check, as corrupt. */
  private static void expectCorrupt(Directory source, String file, byte[] bytes, String what) throws IOException {
    try (Directory copy = new ByteBuffersDirectory()) {
      for (String f : source.listAll()) {
        if (!f.equals(file)) {
          copy.copyFrom(source, f, f, IOContext.DEFAULT);
        }
      }
      try (IndexOutput out = copy.createOutput(file, IOContext.DEFAULT)) {
        out.writeBytes(bytes, bytes.length);
      }
      Exception e = expectThrows(Exception.class, () -> {
        try (DirectoryReader reader = DirectoryReader.open(copy)) {
          for (LeafReaderContext ctx : reader.leaves()) {
            ctx.reader().checkIntegrity();
          }
        }
      });
      // a damaged version number reads as a version this build does not know, as in Lucene's own
      // TestAllFilesDetectBitFlips
      if (!(e instanceof CorruptIndexException || e instanceof org.apache.lucene.index.IndexFormatTooNewException
          || e instanceof org.apache.lucene.index.IndexFormatTooOldException)) {
        throw new AssertionError(what + " in " + file + ": " + e, e);
      }
    }
  }

  /**
   * Multi-index tables whose bytes pass the checksum but whose bucket starts are out of order (what a
   * writer bug would leave) is refused when a query first maps it, never searched.
   */
  public void testInconsistentTableIsRefusedEvenWithAValidChecksum() throws IOException {
    Random r = random();
    java.nio.file.Path path = createTempDir();
    int n = 1000;
    IndexWriterConfig cfg =
        new IndexWriterConfig().setCodec(new NhlCodec(new NhlDocValuesFormat(1))).setUseCompoundFile(false);
    cfg.getMergePolicy().setNoCFSRatio(0.0);
    try (Directory dir = new org.apache.lucene.store.MMapDirectory(path); IndexWriter w = new IndexWriter(dir, cfg)) {
      for (int i = 0; i < n; i++) {
        byte[] code = new byte[16];
        r.nextBytes(code);
        Document doc = new Document();
        doc.add(new NestedCodeField("code", code, SPEC));
        w.addDocument(doc);
      }
      w.forceMerge(1);
    }
    try (Directory dir = new org.apache.lucene.store.MMapDirectory(path)) {
      String data = null;
      for (String f : dir.listAll()) {
        if (f.endsWith("." + NhlDocValuesFormat.DATA_EXTENSION)) {
          data = f;
        }
      }
      assertNotNull(data);
      byte[] bytes;
      try (IndexInput in = dir.openInput(data, IOContext.DEFAULT)) {
        bytes = new byte[(int) in.length()];
        in.readBytes(bytes, 0, bytes.length);
      }
      // the only binary field's tables are the last region before the footer: rows, then the first table's starts
      var subs = dev.nhl.index.MultiIndex.substrings(SPEC, n);
      int tableStart = bytes.length - CodecUtil.footerLength()
          - (int) dev.nhl.index.MultiIndex.regionBytes(SPEC, subs, n);
      int firstStarts = tableStart + (int) dev.nhl.index.ColumnLayout.align(16L * n);
      assertEquals("the first bucket starts at 0", 0, org.apache.lucene.util.BitUtil.VH_LE_INT.get(bytes, firstStarts));
      org.apache.lucene.util.BitUtil.VH_LE_INT.set(bytes, firstStarts + 4 * 3, n + 1);
      dir.deleteFile(data);
      try (IndexOutput out = dir.createOutput(data, IOContext.DEFAULT)) {
        out.writeBytes(bytes, bytes.length - CodecUtil.footerLength());
        CodecUtil.writeFooter(out);
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        for (LeafReaderContext ctx : reader.leaves()) {
          ctx.reader().checkIntegrity(); // the checksum is valid
        }
        org.apache.lucene.search.IndexSearcher searcher = new org.apache.lucene.search.IndexSearcher(reader);
        CorruptIndexException e = expectThrows(CorruptIndexException.class,
            () -> searcher.search(NestedHammingQuery.approximate("code", new byte[16], 10, 10), 10));
        assertTrue(e.getMessage(), e.getMessage().contains("multi-index"));
      }
    }
  }
}
