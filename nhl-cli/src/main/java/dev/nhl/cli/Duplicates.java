package dev.nhl.cli;

import dev.nhl.encoder.image.PerceptualHash;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
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
/**
 * Near-duplicates in the photo index: the rule that decides whether two photos are copies of one
 * shot, the search for a photo's copies, and the grouping {@code nhl dups} lists.
 */
final class Duplicates {

  private Duplicates() {}

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

  private static byte[] hashOf(DirectoryReader reader, int doc) throws IOException {
    byte[] h = PhotoIndex.value(reader, PhotoIndex.PHASH, doc);
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
    for (int d : within(searcher, PhotoIndex.PHASH, hash, rule.bits(), rule.searchRadius())) {
      byte[] h = hashOf(reader, d);
      if (d != except && rule.test(hash, code, h, PhotoIndex.code(reader, d))) {
        out.add(new Member(d, stored.document(d).get(PhotoIndex.PATH), Codes.hamming(hash, h, rule.bits())));
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
    return nearDuplicates(reader, hashOf(reader, self), PhotoIndex.code(reader, self), rule, self);
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
      codes[d] = PhotoIndex.code(reader, d);
    }
    for (int d : live) {
      neighbours[d] = java.util.Arrays.stream(within(searcher, PhotoIndex.PHASH, hashes[d], rule.bits(), rule.searchRadius()))
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
          members.add(new Member(d, stored.document(d).get(PhotoIndex.PATH), Codes.hamming(hashes[seed], hashes[d], rule.bits())));
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
}
