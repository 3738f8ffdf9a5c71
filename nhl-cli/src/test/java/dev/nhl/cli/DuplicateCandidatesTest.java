package dev.nhl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.Directory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which photos {@code nhl dups} compares a photo with, against a brute-force reading of the rule:
 * every photo whose hash (as it is or mirrored) is within the radius, the {@code candidates}
 * nearest by hash of those within twice the radius (ties by document), and the {@code candidates
 * + 1} nearest by model code, the photo itself left out.
 */
class DuplicateCandidatesTest {

  private static final CodeSpec SPEC = CodeSpec.of(8, 16, 32);

  /** {@code base} with {@code flips} distinct bits of its first 64 flipped. */
  private static byte[] flipped(byte[] base, int flips, Random r) {
    byte[] out = base.clone();
    TreeSet<Integer> bits = new TreeSet<>();
    while (bits.size() < flips) {
      bits.add(r.nextInt(64));
    }
    for (int b : bits) {
      out[b >>> 3] ^= (byte) (0x80 >>> (b & 7));
    }
    return out;
  }

  @Test
  void candidatesAreTheRulesOwn(@TempDir Path tmp) throws Exception {
    for (long seed = 1; seed <= 4; seed++) {
      check(new Random(seed), tmp.resolve("s" + seed));
    }
  }

  private static void check(Random r, Path tmp) throws Exception {
    int n = 120;
    byte[] query = new byte[8];
    r.nextBytes(query);
    byte[][] hash = new byte[n][];
    byte[][] mirrored = new byte[n][];
    byte[][] code = new byte[n][];
    for (int d = 0; d < n; d++) {
      // a third near the query's hash (within 0-10 bits), a few near its mirror, the rest anywhere
      int kind = r.nextInt(9);
      byte[] other = new byte[8];
      r.nextBytes(other);
      hash[d] = kind < 3 ? flipped(query, r.nextInt(11), r) : other;
      mirrored[d] = kind == 3 ? flipped(query, r.nextInt(11), r) : flipped(other, 5, r);
      code[d] = new byte[4];
      r.nextBytes(code[d]);
    }
    hash[0] = query.clone(); // photo 0 has many photos between the radius and twice it
    Duplicates.DuplicateRule rule = new Duplicates.DuplicateRule(64, 4, 5, 60, false);
    try (Directory dir = PhotoIndex.open(tmp.resolve("index"))) {
      try (IndexWriter w = PhotoIndex.writer(dir)) {
        for (int d = 0; d < n; d++) {
          w.addDocument(PhotoIndex.document(tmp.resolve("p" + d + ".jpg"), new PhotoIndex.Stamp(0, 0), code[d], SPEC,
              hash[d], mirrored[d], new byte[0]));
          if (d % 40 == 39) {
            w.commit(); // several segments
          }
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = new IndexSearcher(reader);
        for (int self : new int[] {0, 7, 77}) {
          Duplicates.Evidence e = new Duplicates.Evidence(hash[self], mirrored[self], code[self], null);
          // the oracle: hash distances by brute force
          TreeSet<Integer> expected = new TreeSet<>();
          List<int[]> band = new ArrayList<>();
          for (int d = 0; d < n; d++) {
            if (d == self) {
              continue;
            }
            int dist = Math.min(Codes.hamming(hash[self], hash[d], 64), Math.min(
                Codes.hamming(mirrored[self], hash[d], 64), Codes.hamming(hash[self], mirrored[d], 64)));
            boolean searched = Codes.hamming(hash[self], hash[d], 64) <= 8 || Codes.hamming(mirrored[self], hash[d], 64) <= 8;
            if (dist <= 4 && searched) {
              expected.add(d);
            } else if (searched) {
              band.add(new int[] {dist, d});
            }
          }
          if (self == 0) {
            assertTrue(band.size() > 5, "more photos within twice the radius than are compared: " + band.size());
          }
          band.sort(Comparator.<int[]>comparingInt(x -> x[0]).thenComparingInt(x -> x[1]));
          band.stream().limit(5).forEach(x -> expected.add(x[1]));
          List<int[]> byCode = new ArrayList<>();
          for (int d = 0; d < n; d++) {
            byCode.add(new int[] {Codes.hamming(code[self], code[d], 32), d});
          }
          byCode.sort(Comparator.<int[]>comparingInt(x -> x[0]).thenComparingInt(x -> x[1]));
          byCode.stream().limit(6).forEach(x -> expected.add(x[1]));
          expected.remove(self);
          int[] want = expected.stream().mapToInt(Integer::intValue).toArray();
          int[] got = Duplicates.candidates(searcher, e, rule, self, d -> new Duplicates.Evidence(hash[d], mirrored[d], null, null));
          assertArrayEquals(want, got, "photo " + self);
        }
      }
    }
  }
}
