package dev.nhl.cli;

import dev.nhl.encoder.image.LocalFeatures;
import dev.nhl.encoder.image.PerceptualHash;
import dev.nhl.index.Codes;
import dev.nhl.lucene.NestedHammingQuery;
import dev.nhl.lucene.NestedHammingRadiusQuery;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.CollectorManager;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;
/**
 * Near-duplicates in the photo index: the rule that decides whether two photos are copies of one
 * shot, the search for a photo's copies, and the grouping {@code nhl dups} lists.
 *
 * <p>Two photos are copies when their perceptual hashes are close, one of them mirrored or not
 * (resized, recompressed, recoloured and mirrored copies), or else when their local features
 * agree on one homography (rotated and cropped copies, which move the hash as far as another
 * photo's). The features are checked for the photos a hash or the model codes put near: the
 * nearest few of those whose hashes are within twice the radius, and the nearest few by model code.
 */
final class Duplicates {

  private Duplicates() {}

  /** What tells a photo's copies: hash, mirrored hash, model code, local features (null when not indexed). */
  record Evidence(byte[] hash, byte[] mirroredHash, byte[] code, byte[] features) {}

  /**
   * When two photos are near-duplicates: their perceptual hashes ({@link PerceptualHash}) are
   * within {@code radius} at {@code bits}, either as they are or with one of them mirrored; or,
   * unless {@code hashOnly}, at least {@code minMatches} of their {@link LocalFeatures} agree on one
   * homography. The features are compared for the {@code candidates} photos nearest by model code
   * and the {@code candidates} nearest by hash of those within twice {@code radius}.
   */
  record DuplicateRule(int bits, int radius, int candidates, int minMatches, boolean hashOnly) {

    /** Defaults, measured on generated copies of Caltech-101 photos (bench/RESULTS.md). */
    static final int RADIUS = 4;
    static final int CANDIDATES = 8;
    static final int MIN_MATCHES = 60;

    DuplicateRule {
      if (bits <= 0 || bits % 8 != 0 || bits > PerceptualHash.SPEC.maxBits()) {
        throw new BadInput("--bits must be a positive multiple of 8 of at most the perceptual hash's "
            + PerceptualHash.SPEC.maxBits() + " bits, got " + bits);
      }
      if (radius < 0 || radius > bits) {
        throw new BadInput("--radius must be in [0, " + bits + "], got " + radius);
      }
      if (candidates < 0) {
        throw new BadInput("--candidates must be at least 0, got " + candidates);
      }
      if (minMatches < 4) {
        throw new BadInput("--min-matches must be at least 4 (a homography needs 4 points), got " + minMatches);
      }
    }

    /** The defaults. */
    static DuplicateRule defaults() {
      return new DuplicateRule(64, RADIUS, CANDIDATES, MIN_MATCHES, false);
    }

    /** The radius the hashes are searched within for photos whose features are compared. */
    int searchRadius() {
      return hashOnly ? radius : Math.min(bits, 2 * radius);
    }

    /** The hash distance of two photos: the smallest of as they are and with either one mirrored. */
    int hashDistance(Evidence a, Evidence b) {
      int d = Codes.hamming(a.hash(), b.hash(), bits);
      if (a.mirroredHash() != null) {
        d = Math.min(d, Codes.hamming(a.mirroredHash(), b.hash(), bits));
      }
      if (b.mirroredHash() != null) {
        d = Math.min(d, Codes.hamming(a.hash(), b.mirroredHash(), bits));
      }
      return d;
    }

    boolean test(Evidence a, Evidence b) {
      if (hashDistance(a, b) <= radius) {
        return true;
      }
      return !hashOnly && a.features() != null && b.features() != null
          && LocalFeatures.inliers(a.features(), b.features(), minMatches) >= minMatches;
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

  private static byte[] hashOf(DirectoryReader reader, int doc) throws IOException {
    byte[] h = PhotoIndex.value(reader, PhotoIndex.PHASH, doc);
    if (h == null) {
      throw new BadInput("photos of this index have no perceptual hash (indexed by an earlier nhl): "
          + "run 'nhl index' on their folder again, which adds them");
    }
    return h;
  }

  /** An indexed photo's evidence; its mirrored hash and features are null when an earlier nhl indexed it. */
  static Evidence evidence(DirectoryReader reader, StoredFields stored, int doc) throws IOException {
    BytesRef f = stored.document(doc, java.util.Set.of(PhotoIndex.FEATURES)).getBinaryValue(PhotoIndex.FEATURES);
    return new Evidence(hashOf(reader, doc), PhotoIndex.value(reader, PhotoIndex.PHASH_MIRRORED, doc),
        PhotoIndex.code(reader, doc), f == null ? null : java.util.Arrays.copyOfRange(f.bytes, f.offset, f.offset + f.length));
  }

  /**
   * The photos whose copies the rule may accept, without {@code except}, ascending: every photo
   * whose hash is within the rule's radius (as it is or mirrored; accepted without a look at the
   * features), the {@code candidates} nearest by hash of those within twice the radius, and the
   * {@code candidates} nearest by model code. Capping the photos within twice the radius keeps the
   * work a photo's: in a large collection many unrelated photos of plain backgrounds or of one
   * printed design fall within it (about 80 a photo at 100,000 photos).
   *
   * @param hashes the hashes of an indexed photo (its model code and features are not read)
   */
  static int[] candidates(IndexSearcher searcher, Evidence e, DuplicateRule rule, int except,
      java.util.function.IntFunction<Evidence> hashes) throws IOException {
    java.util.TreeSet<Integer> near = new java.util.TreeSet<>();
    for (int d : within(searcher, PhotoIndex.PHASH, e.hash(), rule.bits(), rule.searchRadius())) {
      near.add(d);
    }
    if (e.mirroredHash() != null) {
      for (int d : within(searcher, PhotoIndex.PHASH, e.mirroredHash(), rule.bits(), rule.searchRadius())) {
        near.add(d);
      }
    }
    near.remove(except);
    java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
    List<long[]> band = new ArrayList<>();
    for (int d : near) {
      Evidence h = hashes.apply(d);
      if (h == null) {
        continue;
      }
      int distance = rule.hashDistance(e, h);
      if (distance <= rule.radius()) {
        out.add(d);
      } else {
        band.add(new long[] {distance, d});
      }
    }
    band.sort(java.util.Comparator.<long[]>comparingLong(x -> x[0]).thenComparingLong(x -> x[1]));
    for (int i = 0; i < Math.min(band.size(), rule.candidates()); i++) {
      out.add((int) band.get(i)[1]);
    }
    if (!rule.hashOnly() && rule.candidates() > 0) {
      for (ScoreDoc sd : searcher.search(NestedHammingQuery.defaults(PhotoIndex.CODE, e.code(), rule.candidates() + 1),
          rule.candidates() + 1).scoreDocs) {
        out.add(sd.doc);
      }
    }
    out.remove(except);
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** An indexed photo's hashes, as {@link #candidates} compares them. */
  private static Evidence hashes(DirectoryReader reader, int doc) {
    try {
      return new Evidence(hashOf(reader, doc), PhotoIndex.value(reader, PhotoIndex.PHASH_MIRRORED, doc), null, null);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The photos that are near-duplicates of a photo with this evidence, nearest hash first (ties by path). */
  static List<Member> nearDuplicates(DirectoryReader reader, Evidence e, DuplicateRule rule, int except)
      throws IOException {
    IndexSearcher searcher = new IndexSearcher(reader);
    StoredFields stored = reader.storedFields();
    List<Member> out = new ArrayList<>();
    for (int d : candidates(searcher, e, rule, except, doc -> hashes(reader, doc))) {
      Evidence o = evidence(reader, stored, d);
      if (rule.test(e, o)) {
        out.add(new Member(d, stored.document(d).get(PhotoIndex.PATH), rule.hashDistance(e, o)));
      }
    }
    out.sort(java.util.Comparator.comparingInt(Member::distance).thenComparing(Member::path));
    return out;
  }

  /** The near-duplicates of one indexed photo. */
  static List<Member> nearDuplicates(DirectoryReader reader, String path, DuplicateRule rule) throws IOException {
    ScoreDoc[] found = new IndexSearcher(reader).search(new TermQuery(new Term(PhotoIndex.PATH, path)), 1).scoreDocs;
    if (found.length == 0) {
      throw new BadInput("no indexed photo at " + path);
    }
    int self = found[0].doc;
    return nearDuplicates(reader, evidence(reader, reader.storedFields(), self), rule, self);
  }

  /** Groups of near-duplicates, and how many photos lacked what the rule compares. */
  record Grouping(List<Group> groups, int withoutFeatures) {}

  /**
   * Groups of near-duplicates, largest first. Each photo's candidates are found by radius searches
   * of the hashes and a search of the model codes, and checked by the rule (the features of a pair
   * once, on all cores); then, from the photo with the most near-duplicates down, a photo not yet
   * grouped starts a group with its near-duplicates not yet grouped. Every member is a
   * near-duplicate of its group's first photo, so groups do not chain through a series of slightly
   * different photos. Photos without a near-duplicate are left out.
   */
  static Grouping duplicateGroups(DirectoryReader reader, DuplicateRule rule) throws IOException {
    IndexSearcher searcher = new IndexSearcher(reader);
    int maxDoc = reader.maxDoc();
    List<Integer> live = new ArrayList<>();
    for (LeafReaderContext ctx : reader.leaves()) {
      var liveDocs = ctx.reader().getLiveDocs();
      for (int d = 0; d < ctx.reader().maxDoc(); d++) {
        if (liveDocs == null || liveDocs.get(d)) {
          live.add(ctx.docBase + d);
        }
      }
    }
    // hashes and codes of every photo (small); features are read when a pair is compared
    Evidence[] light = new Evidence[maxDoc];
    boolean[] hasFeatures = new boolean[maxDoc];
    StoredFields stored = reader.storedFields();
    int withoutFeatures = 0;
    for (int d : live) {
      light[d] = new Evidence(hashOf(reader, d), PhotoIndex.value(reader, PhotoIndex.PHASH_MIRRORED, d),
          PhotoIndex.code(reader, d), null);
      hasFeatures[d] = stored.document(d, java.util.Set.of(PhotoIndex.FEATURES)).getBinaryValue(PhotoIndex.FEATURES) != null;
      withoutFeatures += hasFeatures[d] ? 0 : 1;
    }
    // pairs to decide, each once (smaller doc first)
    java.util.Map<Integer, List<Integer>> pairs = new java.util.HashMap<>();
    List<int[]> byHash = new ArrayList<>();
    java.util.Set<Long> seen = new java.util.HashSet<>();
    for (int d : live) {
      for (int o : candidates(searcher, light[d], rule, d, doc -> light[doc])) {
        if (light[o] == null || !seen.add(Math.min(d, o) * (long) maxDoc + Math.max(d, o))) {
          continue;
        }
        int lo = Math.min(d, o);
        int hi = Math.max(d, o);
        if (rule.hashDistance(light[lo], light[hi]) <= rule.radius()) {
          byHash.add(new int[] {lo, hi});
        } else if (!rule.hashOnly() && hasFeatures[lo] && hasFeatures[hi]) {
          pairs.computeIfAbsent(lo, x -> new ArrayList<>()).add(hi);
        }
      }
    }
    List<int[]> accepted = new ArrayList<>(byHash);
    accepted.addAll(confirmByFeatures(reader, pairs, rule));
    List<List<Integer>> adjacency = new ArrayList<>(maxDoc);
    for (int i = 0; i < maxDoc; i++) {
      adjacency.add(null);
    }
    for (int[] p : accepted) {
      for (int k = 0; k < 2; k++) {
        int a = p[k];
        if (adjacency.get(a) == null) {
          adjacency.set(a, new ArrayList<>(List.of(a)));
        }
        adjacency.get(a).add(p[1 - k]);
      }
    }
    Integer[] order = live.toArray(new Integer[0]);
    java.util.function.IntUnaryOperator size = d -> adjacency.get(d) == null ? 0 : adjacency.get(d).size();
    java.util.Arrays.sort(order, (a, b) -> size.applyAsInt(a) != size.applyAsInt(b)
        ? Integer.compare(size.applyAsInt(b), size.applyAsInt(a)) : Integer.compare(a, b));
    boolean[] grouped = new boolean[maxDoc];
    List<Group> groups = new ArrayList<>();
    for (int seed : order) {
      if (grouped[seed] || size.applyAsInt(seed) < 2) {
        continue;
      }
      List<Member> members = new ArrayList<>();
      for (int d : adjacency.get(seed)) {
        if (!grouped[d]) {
          grouped[d] = true;
          int dist = d == seed ? 0 : rule.hashDistance(light[seed], light[d]);
          members.add(new Member(d, stored.document(d).get(PhotoIndex.PATH), dist));
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
    return new Grouping(groups, withoutFeatures);
  }

  /**
   * The pairs whose local features agree, checked in parallel: one task per first photo, whose
   * features are read once for all its pairs; each task reads through its own stored fields.
   */
  private static List<int[]> confirmByFeatures(DirectoryReader reader, java.util.Map<Integer, List<Integer>> pairs,
      DuplicateRule rule) throws IOException {
    List<int[]> out = java.util.Collections.synchronizedList(new ArrayList<>());
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    ThreadLocal<StoredFields> fields = ThreadLocal.withInitial(() -> {
      try {
        return reader.storedFields();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(threads)) {
      List<java.util.concurrent.Future<?>> tasks = new ArrayList<>();
      for (var e : pairs.entrySet()) {
        tasks.add(pool.submit(() -> {
          StoredFields sf = fields.get();
          byte[] a = features(sf, e.getKey());
          for (int o : e.getValue()) {
            if (LocalFeatures.inliers(a, features(sf, o), rule.minMatches()) >= rule.minMatches()) {
              out.add(new int[] {e.getKey(), o});
            }
          }
          return null;
        }));
      }
      for (var t : tasks) {
        t.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while comparing photos", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof java.io.UncheckedIOException u) {
        throw u.getCause();
      }
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }
    return out;
  }

  private static byte[] features(StoredFields stored, int doc) {
    try {
      BytesRef f = stored.document(doc, java.util.Set.of(PhotoIndex.FEATURES)).getBinaryValue(PhotoIndex.FEATURES);
      return java.util.Arrays.copyOfRange(f.bytes, f.offset, f.offset + f.length);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
