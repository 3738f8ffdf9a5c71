package dev.nhl.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.Codes;
import dev.nhl.index.Hits;
import dev.nhl.index.TestCodes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs every benchmark once on small data and checks that its variants agree. */
class BenchmarkSanityTest {

  @Test
  void kernelVariantsComputeTheSameDistances() {
    for (int bits : new int[] {16, 32, 64, 128}) {
      KernelBenchmark b = new KernelBenchmark();
      b.bits = bits;
      b.setup();
      int tail = KernelBenchmark.CODES - KernelBenchmark.BLOCK;
      b.rowsLongBitCount();
      int[] rows = java.util.Arrays.copyOfRange(b.idist, tail, KernelBenchmark.CODES);
      b.luceneXorBitCount();
      int[] lucene = java.util.Arrays.copyOfRange(b.idist, tail, KernelBenchmark.CODES);
      assertArrayEquals(rows, lucene, "bits=" + bits);
      // the column variants leave the last block's distances behind
      for (boolean simd : new boolean[] {true, false}) {
        if (simd) {
          b.columnsSimd();
        } else {
          b.columnsScalar();
        }
        int[] cols = new int[KernelBenchmark.BLOCK];
        for (int i = 0; i < cols.length; i++) {
          cols[i] = b.dist[i];
        }
        assertArrayEquals(rows, cols, "bits=" + bits + " simd=" + simd);
      }
    }
  }

  @Test
  void searchBenchmarkReturnsTheBruteForceHits() {
    for (String data : new String[] {"clustered", "uniform"}) {
      SearchBenchmark b = new SearchBenchmark();
      b.n = 20_000;
      b.data = data;
      b.setup();
      try {
        byte[][] codes = new byte[b.n][];
        for (int i = 0; i < b.n; i++) {
          codes[i] = b.index.code(i);
        }
        Hits exact = b.exact128();
        byte[] query = b.queries[b.next];
        assertEquals(TestCodes.bruteForce(codes, query, 128, null, null, 10, 128), TestCodes.pairs(exact));
        Hits prog = b.progressive();
        assertEquals(10, prog.size());
        Hits cols = b.progressiveColumns();
        assertEquals(10, cols.size());
        // every byte of the floor's buffer is 1: the sum of its longs, wrapping around
        assertEquals(16L * b.n / 8 * 0x0101010101010101L, b.memoryFloor128());
        assertEquals(2L * b.n / 8 * 0x0101010101010101L, b.memoryFloor16());
      } finally {
        b.tearDown();
      }
    }
  }

  @Test
  void radiusBenchmarkAgreesWithBruteForce() {
    RadiusBenchmark b = new RadiusBenchmark();
    b.n = 20_000;
    b.radius = 3;
    b.setup(); // checks table against columns on every query
    try {
      byte[][] codes = new byte[b.n][];
      for (int i = 0; i < b.n; i++) {
        codes[i] = b.withoutTable.code(i);
      }
      Hits table = b.table();
      byte[] query = b.queries[b.next];
      assertEquals(TestCodes.bruteForce(codes, query, 64, null, null, b.n, 3), TestCodes.pairs(table));
      Hits columns = b.columns();
      byte[] next = b.queries[b.next];
      assertEquals(TestCodes.bruteForce(codes, next, 64, null, null, b.n, 3), TestCodes.pairs(columns));
    } finally {
      b.tearDown();
    }
  }

  @Test
  void tieAwareRecallOnAWorkedExample() {
    // exact top 4: distances 1 2 3 3; the 4th distance is 3 and the exact list has two at it
    int[] exact = {1, 2, 3, 3};
    assertEquals(1.0, LuceneComparison.recall(exact, new int[] {1, 2, 3, 3}));
    assertEquals(1.0, LuceneComparison.recall(exact, new int[] {1, 3, 2, 3})); // order does not matter
    assertEquals(0.75, LuceneComparison.recall(exact, new int[] {1, 2, 3, 4}));
    assertEquals(0.75, LuceneComparison.recall(exact, new int[] {1, 3, 3, 3})); // only two at 3 count
    assertEquals(0.25, LuceneComparison.recall(exact, new int[] {2, 5, 6, 9}));
  }

  @Test
  void luceneComparisonRunsOnSmallData() throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.out;
    System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      LuceneComparison.main(new String[] {"3000", "20"});
    } finally {
      System.setOut(old);
    }
    String report = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    // both exact searches agree with the oracle
    assertTrue(report.matches("(?s).*\\| nhl exact \\(NestedHammingQuery.exact\\) \\| 1 \\| [0-9.]+ ms \\| [0-9.]+ ms \\| 1.000 \\|.*"), report);
    assertTrue(report.matches("(?s).*\\| exact scan of HNSW's flat bit vectors \\| 1 \\| [0-9.]+ ms \\| [0-9.]+ ms \\| 1.000 \\|.*"), report);
    assertTrue(report.contains("| ratio HNSW / nhl |"), report);
  }

  @Test
  void clusteredCodesShareLongerPrefixesWithinACluster() {
    // the generator's promise: two samples of one cluster are much closer than two random codes
    CodeGenerator g = new CodeGenerator("clustered", 1000, 1); // one centre
    CodeGenerator u = new CodeGenerator("uniform", 1000, 1);
    List<Integer> within = new ArrayList<>();
    List<Integer> random = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      within.add(Codes.hamming(g.next(), g.next(), 128));
      random.add(Codes.hamming(u.next(), u.next(), 128));
    }
    double w = within.stream().mapToInt(x -> x).average().orElseThrow();
    double r = random.stream().mapToInt(x -> x).average().orElseThrow();
    // expected: 2 * 64 * (1/32)(31/32) + 2 * 64 * (1/8)(7/8) = 3.9 + 14 = 17.9; random 64
    assertTrue(Math.abs(w - 17.9) < 2, "within-cluster mean " + w);
    assertTrue(Math.abs(r - 64) < 3, "random mean " + r);
  }
}
