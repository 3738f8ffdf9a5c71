package dev.nhl.cli;

import dev.nhl.encoder.image.PerceptualHash;
import dev.nhl.index.CodeSpec;
import dev.nhl.lucene.NestedCodeField;
import dev.nhl.lucene.NhlCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.MultiTerms;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * A Lucene index of photos: one document per image file with its path, modification time, size,
 * tag (the name of its folder) and nested code, and what near-duplicates are found by: its
 * perceptual hash and mirrored hash (doc values) and its local features (stored). The model that
 * encoded the codes and its spec are recorded in the commit data.
 */
final class PhotoIndex {

  static final String PATH = "path";
  static final String MTIME = "mtime";
  static final String SIZE = "size";
  static final String TAG = "tag";
  static final String CODE = "code";
  static final String PHASH = "phash";
  static final String PHASH_MIRRORED = "phash.mirrored";
  static final String FEATURES = "features";
  static final String MODEL_KEY = "nhl.model";
  static final String SPEC_KEY = "nhl.spec";
  static final String MODEL_HASH_KEY = "nhl.model.sha256";

  /** The SHA-256 of a file, in hex: which model encoded an index's codes. */
  static String sha256(Path file) throws IOException {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      try (var in = Files.newInputStream(file)) {
        byte[] buf = new byte[1 << 16];
        for (int n = in.read(buf); n > 0; n = in.read(buf)) {
          md.update(buf, 0, n);
        }
      }
      return java.util.HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  private PhotoIndex() {}

  /** A file's identity for re-indexing: same path, modification time and size means unchanged. */
  record Stamp(long mtime, long size) {
    static Stamp of(Path file) throws IOException {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return new Stamp(a.lastModifiedTime().toMillis(), a.size());
    }
  }

  static Document document(Path file, Stamp stamp, byte[] code, CodeSpec spec, byte[] perceptualHash,
      byte[] mirroredHash, byte[] localFeatures) {
    Document d = new Document();
    d.add(new StringField(PATH, file.toString(), Field.Store.YES));
    d.add(new StoredField(MTIME, stamp.mtime()));
    d.add(new StoredField(SIZE, stamp.size()));
    Path parent = file.getParent();
    d.add(new StringField(TAG, parent == null ? "" : parent.getFileName().toString(), Field.Store.YES));
    d.add(new NestedCodeField(CODE, code, spec));
    d.add(new NestedCodeField(PHASH, perceptualHash, PerceptualHash.SPEC));
    d.add(new NestedCodeField(PHASH_MIRRORED, mirroredHash, PerceptualHash.SPEC));
    d.add(new StoredField(FEATURES, localFeatures));
    return d;
  }

  static IndexWriter writer(Directory dir) throws IOException {
    return new IndexWriter(dir, new IndexWriterConfig().setCodec(new NhlCodec())
        .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND));
  }

  static Directory open(Path dir) throws IOException {
    return FSDirectory.open(dir);
  }

  static boolean exists(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Directory d = open(dir)) {
      return DirectoryReader.indexExists(d);
    }
  }

  /**
   * The stamp of a document indexed before mirrored hashes and local features were stored:
   * matches no file.
   */
  static final Stamp INCOMPLETE = new Stamp(-1, -1);

  /**
   * Path to stamp of every indexed file; files indexed before mirrored hashes and local features
   * were stored get {@link #INCOMPLETE}, so that indexing again encodes them anew (or removes them
   * when gone).
   */
  static Map<String, Stamp> stamps(DirectoryReader reader) throws IOException {
    Map<String, Stamp> out = new HashMap<>();
    StoredFields stored = reader.storedFields();
    for (LeafReaderContext ctx : reader.leaves()) {
      var live = ctx.reader().getLiveDocs();
      BinaryDocValues hashes = ctx.reader().getBinaryDocValues(PHASH_MIRRORED);
      for (int d = 0; d < ctx.reader().maxDoc(); d++) {
        if (live != null && !live.get(d)) {
          continue;
        }
        Document doc = stored.document(ctx.docBase + d);
        boolean complete = hashes != null && hashes.advanceExact(d);
        out.put(doc.get(PATH), !complete ? INCOMPLETE : new Stamp(doc.getField(MTIME).numericValue().longValue(),
            doc.getField(SIZE).numericValue().longValue()));
      }
    }
    return out;
  }

  /** The spec and model recorded by the last commit, or nulls. */
  static Map<String, String> commitData(DirectoryReader reader) throws IOException {
    return reader.getIndexCommit().getUserData();
  }

  static CodeSpec spec(DirectoryReader reader) throws IOException {
    String s = commitData(reader).get(SPEC_KEY);
    if (s == null) {
      throw new BadInput("the index records no code spec: was it written by 'nhl index'?");
    }
    return CodeSpec.parse(s);
  }

  /** Every tag in the index, sorted. */
  static List<String> tags(DirectoryReader reader) throws IOException {
    TreeSet<String> tags = new TreeSet<>();
    Terms terms = MultiTerms.getTerms(reader, TAG);
    if (terms != null) {
      TermsEnum te = terms.iterator();
      for (BytesRef t = te.next(); t != null; t = te.next()) {
        tags.add(t.utf8ToString());
      }
    }
    return new ArrayList<>(tags);
  }

  /** A document's code, through the standard binary doc values view. */
  static byte[] code(DirectoryReader reader, int doc) throws IOException {
    byte[] c = value(reader, CODE, doc);
    if (c == null) {
      throw new IllegalStateException("document " + doc + " has no code");
    }
    return c;
  }

  /** A document's value of a code field, or null when it has none. */
  static byte[] value(DirectoryReader reader, String field, int doc) throws IOException {
    LeafReaderContext ctx = reader.leaves().get(ReaderUtil.subIndex(doc, reader.leaves()));
    BinaryDocValues values = ctx.reader().getBinaryDocValues(field);
    if (values == null || !values.advanceExact(doc - ctx.docBase)) {
      return null;
    }
    BytesRef b = values.binaryValue();
    return java.util.Arrays.copyOfRange(b.bytes, b.offset, b.offset + b.length);
  }

  /** Whether a path is indexed (the web page serves thumbnails of indexed files only). */
  static boolean indexed(DirectoryReader reader, String path) throws IOException {
    return new IndexSearcher(reader).count(new TermQuery(new Term(PATH, path))) > 0;
  }

}
