package dev.nhl.index;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/** Test data and the brute-force oracle every search is checked against. */
public final class TestCodes {
  private TestCodes() {}

  /** Uniform random codes. */
  public static byte[][] random(Random r, int n, int bytes) {
    byte[][] codes = new byte[n][bytes];
    for (byte[] c : codes) {
      r.nextBytes(c);
    }
    return codes;
  }

  /**
   * Clustered codes: random centres, each code its centre with every bit flipped with probability
   * {@code flip}; near-duplicates make ties and small distances common.
   */
  public static byte[][] clustered(Random r, int n, int bytes, int clusters, double flip) {
    byte[][] centres = random(r, clusters, bytes);
    byte[][] codes = new byte[n][];
    for (int i = 0; i < n; i++) {
      byte[] c = centres[r.nextInt(clusters)].clone();
      for (int b = 0; b < bytes * 8; b++) {
        if (r.nextDouble() < flip) {
          c[b >>> 3] ^= (byte) (0x80 >>> (b & 7));
        }
      }
      codes[i] = c;
    }
    return codes;
  }

  /** Each of ids {@code 0 .. n-1} allowed with probability one half. */
  public static BitSet randomFilter(Random r, int n) {
    BitSet f = new BitSet(n);
    for (int i = 0; i < n; i++) {
      if (r.nextBoolean()) {
        f.set(i);
      }
    }
    return f;
  }

  public static NestedCodeIndex heapIndex(CodeSpec spec, byte[][] codes) {
    NestedCodeIndex.Builder b = NestedCodeIndex.builder(spec);
    for (byte[] c : codes) {
      b.add(c);
    }
    return b.build();
  }

  /** (id, distance) pairs, ranked by distance then id: the oracle's answer. */
  public record Pair(int id, int distance) {}

  /** Brute force: every accepted code's distance at {@code bits}, sorted, then cut. */
  public static List<Pair> bruteForce(
      byte[][] codes, byte[] query, int bits, BitSet filter, BitSet deleted, int limit, int maxDistance) {
    List<Pair> all = new ArrayList<>();
    for (int i = 0; i < codes.length; i++) {
      if ((filter != null && !filter.get(i)) || (deleted != null && deleted.get(i))) {
        continue;
      }
      int d = Codes.hamming(codes[i], query, bits);
      if (d <= maxDistance) {
        all.add(new Pair(i, d));
      }
    }
    all.sort(Comparator.comparingInt(Pair::distance).thenComparingInt(Pair::id));
    return all.subList(0, Math.min(limit, all.size()));
  }

  public static List<Pair> pairs(Hits hits) {
    List<Pair> out = new ArrayList<>();
    for (int i = 0; i < hits.size(); i++) {
      out.add(new Pair(hits.id(i), hits.distance(i)));
    }
    return out;
  }
}
