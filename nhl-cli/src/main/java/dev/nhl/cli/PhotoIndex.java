package dev.nhl.cli;

import dev.nhl.encoder.image.PerceptualHash;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import dev.nhl.index.Hits;
import dev.nhl.index.ProgressivePlan;
import dev.nhl.index.SearchOptions;
import dev.nhl.lucene.NestedCodeField;
import dev.nhl.lucene.NestedHammingQuery;
import dev.nhl.lucene.NestedHammingRadiusQuery;
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
import org.apache.lucene.search.CollectorManager;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * A Lucene index of photos: one document per image file with its path, modification time, size,
 * tag (the name of its folder) and nested code. The model that encoded the codes and its spec are
 * recorded in the commit data.
 */
final class PhotoIndex {

  static final String PATH = "path";
  static final String MTIME = "mtime";
  static final String SIZE = "size";
  static final String TAG = "tag";
  static final String CODE = "code";
  static final String PHASH = "phash";
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

  static Document document(Path file, Stamp stamp, byte[] code, CodeSpec spec, byte[] perceptualHash) {
    Document d = new Document();
    d.add(new StringField(PATH, file.toString(), Field.Store.YES));
    d.add(new StoredField(MTIME, stamp.mtime()));
    d.add(new StoredField(SIZE, stamp.size()));
    Path parent = file.getParent();
    d.add(new StringField(TAG, parent == null ? "" : parent.getFileName().toString(), Field.Store.YES));
    d.add(new NestedCodeField(CODE, code, spec));
    d.add(new NestedCodeField(PHASH, perceptualHash, PerceptualHash.SPEC));
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

  /** The stamp of a document indexed before perceptual hashes were stored: matches no file. */
  static final Stamp INCOMPLETE = new Stamp(-1, -1);

  /**
   * Path to stamp of every indexed file; files indexed before perceptual hashes were stored get
   * {@link #INCOMPLETE}, so that indexing again encodes them anew (or removes them when gone).
   */
  static Map<String, Stamp> stamps(DirectoryReader reader) throws IOException {
    Map<String, Stamp> out = new HashMap<>();
    StoredFields stored = reader.storedFields();
    for (LeafReaderContext ctx : reader.leaves()) {
      var live = ctx.reader().getLiveDocs();
      BinaryDocValues hashes = ctx.reader().getBinaryDocValues(PHASH);
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
    CodeSpec spec = spec(reader);
    Codes.checkCode(code, spec);
    IndexSearcher searcher = new IndexSearcher(reader);
    NestedHammingQuery q = switch (mode) {
      case DEFAULT -> NestedHammingQuery.defaults(CODE, code, k);
      case EXACT -> NestedHammingQuery.exact(CODE, code, k);
      case PROBE -> NestedHammingQuery.approximate(CODE, code, k, candidates);
      case PLAN -> NestedHammingQuery.approximate(CODE, code, ladder(spec, reader.maxDoc(), k));
    };
    if (tag != null && !tag.isBlank()) {
      q = q.withFilter(new TermQuery(new Term(TAG, tag)));
    }
    NestedHammingQuery.Profile p = q.profile(searcher);
    List<Hit> hits = new ArrayList<>();
    StoredFields stored = reader.storedFields();
    ScoreDoc[] sd = p.topDocs().scoreDocs;
    for (int i = 0; i < sd.length; i++) {
      Document d = stored.document(sd[i].doc);
      byte[] c = code(reader, sd[i].doc);
      int[] dist = new int[spec.stages()];
      for (int s = 0; s < dist.length; s++) {
        dist[s] = Codes.hamming(code, c, spec.length(s));
      }
      hits.add(new Hit(i + 1, sd[i].doc, d.get(PATH), d.get(TAG), c, dist));
    }
    return new Result(hits, p.stages(), p.nanos());
  }

  /**
   * The hits with the query's near-duplicates first (closest hash first), then the others in their
   * order, {@code k} in all: a copy of the query ranks above other photos whatever the model's
   * codes make of it. Near-duplicates outside {@code tag}, when one is given, are left out.
   */
  static List<Hit> copiesFirst(DirectoryReader reader, List<Hit> hits, byte[] code, List<Member> copies, int k,
      String tag) throws IOException {
    CodeSpec spec = spec(reader);
    StoredFields stored = reader.storedFields();
    List<Hit> out = new ArrayList<>();
    java.util.Set<Integer> taken = new java.util.HashSet<>();
    for (Member m : copies) {
      Document d = stored.document(m.doc());
      if (out.size() >= k || (tag != null && !tag.isBlank() && !tag.equals(d.get(TAG)))) {
        continue;
      }
      byte[] c = code(reader, m.doc());
      int[] dist = new int[spec.stages()];
      for (int s = 0; s < dist.length; s++) {
        dist[s] = Codes.hamming(code, c, spec.length(s));
      }
      out.add(new Hit(out.size() + 1, m.doc(), d.get(PATH), d.get(TAG), c, dist));
      taken.add(m.doc());
    }
    for (Hit h : hits) {
      if (out.size() < k && !taken.contains(h.doc())) {
        out.add(new Hit(out.size() + 1, h.doc(), h.path(), h.tag(), h.code(), h.distances()));
      }
    }
    return out;
  }

  /** A document's code, through the standard binary doc values view. */
  static byte[] code(DirectoryReader reader, int doc) throws IOException {
    byte[] c = value(reader, CODE, doc);
    if (c == null) {
      throw new IllegalStateException("document " + doc + " has no code");
    }
    return c;
  }

  /**
   * When two photos are near-duplicates: their perceptual hashes ({@link PerceptualHash}) are
   * within {@code radius} at {@code bits}; or, for heavier changes such as crops, within twice
   * that while their model codes are also within {@code codeRadius} at {@code codeBits} (when
   * {@code codeRadius} is empty, the hash alone decides). The hash tells apart two shots of
   * one kind, which a model trained to put a class together codes alike; the model's code
   * confirms the copies the hash alone would miss.
   */
  record DuplicateRule(int bits, int radius, int codeBits, java.util.OptionalInt codeRadius) {

    /** Defaults, measured on generated copies of Caltech-101 photos (bench/RESULTS.md). */
    static final int RADIUS = 8;
    static final int CODE_RADIUS = 4;

    DuplicateRule {
      if (bits <= 0 || bits % 8 != 0 || bits > PerceptualHash.SPEC.maxBits()) {
        throw new BadInput("--bits must be a positive multiple of 8 of at most the perceptual hash's "
            + PerceptualHash.SPEC.maxBits() + " bits, got " + bits);
      }
      if (radius < 0 || radius > bits) {
        throw new BadInput("--radius must be in [0, " + bits + "], got " + radius);
      }
      if (codeRadius.isPresent() && (codeRadius.getAsInt() < 0 || codeRadius.getAsInt() > codeBits)) {
        throw new BadInput("--code-radius must be in [0, " + codeBits + "], got " + codeRadius.getAsInt());
      }
    }

    /** The defaults for an index whose codes follow {@code spec}. */
    static DuplicateRule defaults(CodeSpec spec) {
      return new DuplicateRule(64, RADIUS, Math.min(64, spec.maxBits()), java.util.OptionalInt.of(CODE_RADIUS));
    }

    /** The radius the hash is searched within: every pair this rule can accept is inside it. */
    int searchRadius() {
      return codeRadius.isEmpty() ? radius : Math.min(bits, 2 * radius);
    }

    boolean test(byte[] hashA, byte[] codeA, byte[] hashB, byte[] codeB) {
      int d = Codes.hamming(hashA, hashB, bits);
      return d <= radius || (codeRadius.isPresent() && d <= 2 * radius
          && Codes.hamming(codeA, codeB, codeBits) <= codeRadius.getAsInt());
    }
  }

  /** A member of a near-duplicate group: its document, path, and hash distance to the group's first photo. */
  record Member(int doc, String path, int distance) {}

  /** A group of near-duplicates, its first photo first. */
  record Group(List<Member> members) {}

  /** The documents whose {@code field} code is within {@code radius} at {@code bits} (exact radius search), ascending. */
  static int[] within(IndexSearcher searcher, String field, byte[] code, int bits, int radius) throws IOException {
    return searcher.search(new NestedHammingRadiusQuery(field, code, bits, radius),
        new CollectorManager<DocCollector, int[]>() {
          @Override
          public DocCollector newCollector() {
            return new DocCollector();
          }

          @Override
          public int[] reduce(java.util.Collection<DocCollector> collectors) {
            return collectors.stream().flatMapToInt(c -> c.found.stream().mapToInt(Integer::intValue)).sorted().toArray();
          }
        });
  }

  /** Collects the global ids of matching documents. */
  private static final class DocCollector extends SimpleCollector {
    final List<Integer> found = new ArrayList<>();
    private int base;

    @Override
    protected void doSetNextReader(LeafReaderContext ctx) {
      base = ctx.docBase;
    }

    @Override
    public void collect(int doc) {
      found.add(base + doc);
    }

    @Override
    public ScoreMode scoreMode() {
      return ScoreMode.COMPLETE_NO_SCORES;
    }
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

  private static byte[] hashOf(DirectoryReader reader, int doc) throws IOException {
    byte[] h = value(reader, PHASH, doc);
    if (h == null) {
      throw new BadInput("photos of this index have no perceptual hash (indexed by an earlier nhl): "
          + "run 'nhl index' on their folder again, which adds them");
    }
    return h;
  }

  /** The photos that are near-duplicates of a photo with this hash and code, nearest first (ties by path). */
  static List<Member> nearDuplicates(DirectoryReader reader, byte[] hash, byte[] code, DuplicateRule rule, int except)
      throws IOException {
    IndexSearcher searcher = new IndexSearcher(reader);
    StoredFields stored = reader.storedFields();
    List<Member> out = new ArrayList<>();
    for (int d : within(searcher, PHASH, hash, rule.bits(), rule.searchRadius())) {
      byte[] h = hashOf(reader, d);
      if (d != except && rule.test(hash, code, h, code(reader, d))) {
        out.add(new Member(d, stored.document(d).get(PATH), Codes.hamming(hash, h, rule.bits())));
      }
    }
    out.sort(java.util.Comparator.comparingInt(Member::distance).thenComparing(Member::path));
    return out;
  }

  /** The near-duplicates of one indexed photo. */
  static List<Member> nearDuplicates(DirectoryReader reader, String path, DuplicateRule rule) throws IOException {
    ScoreDoc[] found = new IndexSearcher(reader).search(new TermQuery(new Term(PATH, path)), 1).scoreDocs;
    if (found.length == 0) {
      throw new BadInput("no indexed photo at " + path);
    }
    int self = found[0].doc;
    return nearDuplicates(reader, hashOf(reader, self), code(reader, self), rule, self);
  }

  /**
   * Groups of near-duplicates, largest first. Each photo's near-duplicates are found by a radius
   * search of the perceptual hashes and checked by the rule; then, from the photo with the most
   * down, a photo not yet grouped starts a group with its near-duplicates not yet grouped. Every
   * member is a near-duplicate of its group's first photo, so groups do not chain through a
   * series of slightly different photos. Photos without a near-duplicate are left out.
   */
  static List<Group> duplicateGroups(DirectoryReader reader, DuplicateRule rule) throws IOException {
    IndexSearcher searcher = new IndexSearcher(reader);
    int maxDoc = reader.maxDoc();
    int[][] neighbours = new int[maxDoc][];
    byte[][] hashes = new byte[maxDoc][];
    byte[][] codes = new byte[maxDoc][];
    List<Integer> live = new ArrayList<>();
    for (LeafReaderContext ctx : reader.leaves()) {
      var liveDocs = ctx.reader().getLiveDocs();
      for (int d = 0; d < ctx.reader().maxDoc(); d++) {
        if (liveDocs == null || liveDocs.get(d)) {
          live.add(ctx.docBase + d);
        }
      }
    }
    for (int d : live) {
      hashes[d] = hashOf(reader, d);
      codes[d] = code(reader, d);
    }
    for (int d : live) {
      neighbours[d] = java.util.Arrays.stream(within(searcher, PHASH, hashes[d], rule.bits(), rule.searchRadius()))
          .filter(o -> rule.test(hashes[d], codes[d], hashes[o], codes[o])).toArray();
    }
    Integer[] order = live.toArray(new Integer[0]);
    java.util.Arrays.sort(order, (a, b) -> neighbours[a].length != neighbours[b].length
        ? Integer.compare(neighbours[b].length, neighbours[a].length) : Integer.compare(a, b));
    boolean[] grouped = new boolean[maxDoc];
    StoredFields stored = reader.storedFields();
    List<Group> groups = new ArrayList<>();
    for (int seed : order) {
      if (grouped[seed] || neighbours[seed].length < 2) {
        continue;
      }
      List<Member> members = new ArrayList<>();
      for (int d : neighbours[seed]) {
        if (!grouped[d]) {
          grouped[d] = true;
          members.add(new Member(d, stored.document(d).get(PATH), Codes.hamming(hashes[seed], hashes[d], rule.bits())));
        }
      }
      if (members.size() >= 2) {
        members.sort(java.util.Comparator.comparing((Member m) -> m.doc() != seed)
            .thenComparingInt(Member::distance).thenComparing(Member::path));
        groups.add(new Group(List.copyOf(members)));
      }
    }
    groups.sort(java.util.Comparator.comparingInt((Group g) -> -g.members().size())
        .thenComparing(g -> g.members().get(0).path()));
    return groups;
  }

  /** Whether a path is indexed (the web page serves thumbnails of indexed files only). */
  static boolean indexed(DirectoryReader reader, String path) throws IOException {
    return new IndexSearcher(reader).count(new TermQuery(new Term(PATH, path))) > 0;
  }

}
