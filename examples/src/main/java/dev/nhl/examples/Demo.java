package dev.nhl.examples;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Hits;
import dev.nhl.index.NestedCodeIndex;
import dev.nhl.index.ProgressivePlan;
import dev.nhl.index.SearchOptions;
import java.util.SplittableRandom;

/**
 * Demo of nhl-index on generated nested codes: builds an index of clustered 16/32/64/128-bit
 * codes (with multi-index tables), runs top-10 searches by the default (exact, through the
 * tables) and by a scan of every code, and prints what the default did and whether both agree.
 *
 * <p>Usage: {@code Demo [codes]} (default 10,000,000).
 */
public final class Demo {
  private Demo() {}

  /** Runs the demo. */
  public static void main(String[] args) {
    int n = args.length > 0 ? parseCount(args[0]) : 10_000_000;
    CodeSpec spec = CodeSpec.of(16, 32, 64, 128);
    SplittableRandom r = new SplittableRandom(42);
    System.out.printf("generating %,d clustered codes of spec %s...%n", n, spec);
    byte[][] centres = new byte[Math.max(1, n / 1000)][16];
    for (byte[] c : centres) {
      for (int i = 0; i < c.length; i++) {
        c[i] = (byte) r.nextInt();
      }
    }
    NestedCodeIndex.Builder b = NestedCodeIndex.builder(spec);
    byte[] code = new byte[16];
    for (int i = 0; i < n; i++) {
      noisy(r, centres[r.nextInt(centres.length)], code);
      b.add(code);
    }
    long t0 = System.nanoTime();
    NestedCodeIndex index = b.build();
    System.out.printf("indexed in %.0f ms%n%n", (System.nanoTime() - t0) / 1e6);

    int warmup = 30;
    int queries = 50;
    int found = 0;
    long exactNanos = 0;
    long progNanos = 0;
    Hits shown = null;
    System.out.printf("warming up with %d queries, then timing %d...%n%n", warmup, queries);
    for (int q = 0; q < warmup + queries; q++) {
      byte[] query = new byte[16];
      noisy(r, centres[r.nextInt(centres.length)], query);
      long a = System.nanoTime();
      Hits exact = index.search(query, SearchOptions.approximate(ProgressivePlan.exact(128, 10)));
      long c = System.nanoTime();
      Hits prog = index.search(query, SearchOptions.defaults(10));
      long d = System.nanoTime();
      if (q >= warmup) {
        exactNanos += c - a;
        progNanos += d - c;
        found += overlap(exact, prog);
        shown = prog;
      }
    }
    System.out.println("last default query, stage by stage:");
    System.out.println("  bits  candidates      kept     time   bytes read");
    for (Hits.StageStats s : shown.stages()) {
      System.out.printf("  %4d  %,10d  %,8d  %6.2f ms  %,11d%n", s.length(), s.candidates(), s.kept(), s.nanos() / 1e6, s.bytesRead());
    }
    System.out.printf("%nmean over %d queries: scan of every 128-bit code %.2f ms, default %.2f ms (%.1fx)%n",
        queries, exactNanos / 1e6 / queries, progNanos / 1e6 / queries, (double) exactNanos / progNanos);
    System.out.printf("recall@10 of the default against the scan: %.3f (the default is exact)%n", found / (10.0 * queries));
  }

  private static int parseCount(String s) {
    try {
      int n = Integer.parseInt(s.replace("_", "").replace(",", ""));
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    System.err.println("usage: demo [number of codes > 0], got \"" + s + "\"");
    System.exit(2);
    return 0;
  }

  /** A centre with bits 0-63 flipped with probability 1/32 and bits 64-127 with 1/8. */
  private static void noisy(SplittableRandom r, byte[] centre, byte[] out) {
    long flip0 = r.nextLong() & r.nextLong() & r.nextLong() & r.nextLong() & r.nextLong();
    long flip1 = r.nextLong() & r.nextLong() & r.nextLong();
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (centre[i] ^ (flip0 >>> (56 - 8 * i)));
      out[8 + i] = (byte) (centre[8 + i] ^ (flip1 >>> (56 - 8 * i)));
    }
  }

  private static int overlap(Hits a, Hits b) {
    int f = 0;
    for (int i = 0; i < a.size(); i++) {
      for (int j = 0; j < b.size(); j++) {
        if (a.id(i) == b.id(j)) {
          f++;
        }
      }
    }
    return f;
  }
}
