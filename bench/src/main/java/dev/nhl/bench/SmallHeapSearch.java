package dev.nhl.bench;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Hits;
import dev.nhl.index.NestedCodeIndex;
import dev.nhl.index.ProgressivePlan;
import dev.nhl.index.SearchOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * An index file searched with a small heap: the codes and tables live in the mapped file, so the
 * heap holds only what a search allocates. {@code write} builds the file (with a large heap);
 * {@code search}, run with {@code -Xmx256m} or less, opens it (checksum verified), times the
 * default search and a scan of the columns on queries of the same generator, measures the
 * default's recall against the scan, and prints the heap and the process's resident memory.
 *
 * <p>Usage: {@code SmallHeapSearch write FILE N KIND} or {@code SmallHeapSearch search FILE N KIND
 * QUERIES}; KIND as for {@link CodeGenerator}.
 */
public final class SmallHeapSearch {

  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64, 128);
  static final int K = 10;

  private SmallHeapSearch() {}

  /** Writes or searches, as the first argument says. */
  public static void main(String[] args) throws IOException {
    if (args.length < 4) {
      System.err.println("usage: SmallHeapSearch write FILE N KIND | search FILE N KIND QUERIES");
      System.exit(2);
    }
    Path file = Path.of(args[1]);
    long n = Long.parseLong(args[2]);
    CodeGenerator gen = new CodeGenerator(args[3], n, 42);
    if (args[0].equals("write")) {
      NestedCodeIndex.Builder b = NestedCodeIndex.builder(SPEC);
      for (long i = 0; i < n; i++) {
        b.add(gen.next());
      }
      long t0 = System.nanoTime();
      b.write(file);
      System.out.printf(Locale.ROOT, "wrote %s: %,d codes, %,d bytes, %.1f s%n", file, n, Files.size(file),
          (System.nanoTime() - t0) / 1e9);
      return;
    }
    int queries = Integer.parseInt(args[4]);
    for (long i = 0; i < n; i++) {
      gen.next();
    }
    byte[][] qs = new byte[queries][];
    for (int q = 0; q < queries; q++) {
      qs[q] = gen.next();
    }
    long t0 = System.nanoTime();
    try (NestedCodeIndex index = NestedCodeIndex.open(file)) {
      System.out.printf(Locale.ROOT, "# %s: %,d %s codes, %,d bytes mapped; opened (checksum verified) in %.1f s; "
              + "max heap %,d MB; %d cores, JDK %s%n", file, index.size(), args[3], Files.size(file),
          (System.nanoTime() - t0) / 1e9, Runtime.getRuntime().maxMemory() >> 20,
          Runtime.getRuntime().availableProcessors(), Runtime.version());
      // the exact answer by a scan of the columns at the full length, not through the tables
      SearchOptions scanning = SearchOptions.approximate(ProgressivePlan.exact(SPEC.maxBits(), K));
      int[][] exact = new int[queries][];
      for (int q = 0; q < queries; q++) {
        exact[q] = distances(index.search(qs[q], scanning));
      }
      QueryTiming.Result scan = QueryTiming.measure(queries, exact, q -> distances(index.search(qs[q], scanning)));
      QueryTiming.Result def = QueryTiming.measure(queries, exact,
          q -> distances(index.search(qs[q], SearchOptions.defaults(K))));
      System.out.printf(Locale.ROOT, "| search | p50 | p99 | recall@%d |%n| --- | ---: | ---: | ---: |%n", K);
      System.out.printf(Locale.ROOT, "| default | %.3f ms | %.3f ms | %.4f |%n", def.p50(), def.p99(), def.recall());
      System.out.printf(Locale.ROOT, "| exact scan | %.3f ms | %.3f ms | %.4f |%n", scan.p50(), scan.p99(), scan.recall());
      MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      System.gc();
      MemoryUsage after = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      System.out.printf(Locale.ROOT, "heap: used %,d MB before a GC, %,d MB after, committed %,d MB, max %,d MB; "
              + "non-heap used %,d MB; process resident %s%n", heap.getUsed() >> 20, after.getUsed() >> 20,
          after.getCommitted() >> 20, after.getMax() >> 20,
          ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getUsed() >> 20, resident());
    }
  }

  private static int[] distances(Hits h) {
    int[] d = new int[h.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = h.distance(i);
    }
    java.util.Arrays.sort(d);
    return d;
  }

  /** VmRSS and RssFile of this process (Linux), or "unknown". */
  private static String resident() {
    try {
      StringBuilder sb = new StringBuilder();
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS") || line.startsWith("RssAnon") || line.startsWith("RssFile")) {
          sb.append(sb.isEmpty() ? "" : ", ").append(line.replaceAll("\\s+", " "));
        }
      }
      return sb.isEmpty() ? "unknown" : sb.toString();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
