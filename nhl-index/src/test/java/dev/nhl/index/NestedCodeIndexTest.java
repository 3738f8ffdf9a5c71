package dev.nhl.index;

import static dev.nhl.index.TestCodes.bruteForce;
import static dev.nhl.index.TestCodes.pairs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every search type against the brute-force oracle. */
// most searches here take their filter through the deprecated BitSet adapter, which must keep
// working; filterAsAcceptedIdsOrBitSet checks that both routes agree
@SuppressWarnings("deprecation")
@ExtendWith(Seeded.class)
class NestedCodeIndexTest {

  static final CodeSpec[] SPECS = {
    CodeSpec.of(16, 32, 64, 128),
    CodeSpec.of(8, 16, 32, 64, 128),
    CodeSpec.of(24, 48, 72), // increments that split into 2+1-byte planes
    CodeSpec.of(64),
    CodeSpec.of(8, 256),
  };
  static final int[] SIZES = {0, 1, 7, 64, 65, 2047, 2048, 2049, 5000};

  static byte[][] data(Random r, int n, CodeSpec spec) {
    return r.nextBoolean()
        ? TestCodes.random(r, n, spec.maxBytes())
        : TestCodes.clustered(r, n, spec.maxBytes(), 1 + r.nextInt(20), 0.03 + 0.2 * r.nextDouble());
  }

  static byte[] query(Random r, byte[][] codes, CodeSpec spec) {
    if (codes.length > 0 && r.nextBoolean()) {
      byte[] q = codes[r.nextInt(codes.length)].clone();
      q[r.nextInt(q.length)] ^= (byte) (1 << r.nextInt(8));
      return q;
    }
    byte[] q = new byte[spec.maxBytes()];
    r.nextBytes(q);
    return q;
  }

  static NestedCodeIndex withTables(CodeSpec spec, byte[][] codes) {
    NestedCodeIndex.Builder b = NestedCodeIndex.builder(spec).multiIndexFrom(1);
    for (byte[] c : codes) {
      b.add(c);
    }
    NestedCodeIndex index = b.build();
    assertTrue(index.hasMultiIndex());
    return index;
  }

  /** Whether the tables answered alone: one stage that ranked fewer codes than the index holds. */
  static boolean answeredByTables(Hits hits, int n) {
    return hits.stages().size() == 1 && hits.stages().getFirst().candidates() < n;
  }

  @RepeatedTest(3)
  void multiIndexSearchIsExactWithFiltersAndDeletions(Random r) {
    for (CodeSpec spec : SPECS) {
      int n = 1 + r.nextInt(3000);
      byte[][] codes = data(r, n, spec);
      NestedCodeIndex index = withTables(spec, codes);
      BitSet deleted = new BitSet();
      for (int i = 0; i < n / 10; i++) {
        int id = r.nextInt(n);
        index.delete(id);
        deleted.set(id);
      }
      for (int q = 0; q < 5; q++) {
        byte[] query = query(r, codes, spec);
        int k = 1 + r.nextInt(r.nextBoolean() ? 10 : 100);
        BitSet filter = null;
        if (r.nextBoolean()) { // dense filters use the tables, sparse ones the columns
          filter = new BitSet(n);
          double p = r.nextBoolean() ? 0.9 : 0.05;
          for (int i = 0; i < n; i++) {
            if (r.nextDouble() < p) {
              filter.set(i);
            }
          }
        }
        for (int len : spec.lengths()) {
          String msg = spec + " n=" + n + " k=" + k + " len=" + len
              + " filter=" + (filter == null ? "none" : filter.cardinality());
          List<TestCodes.Pair> expected = bruteForce(codes, query, len, filter, deleted, k, len);
          // a probe without a candidate limit runs the tables to their exact end, never a scan
          SearchOptions mih = SearchOptions.approximate(k, Long.MAX_VALUE);
          if (len == spec.maxBits()) {
            assertEquals(expected, pairs(index.search(query, mih.withFilter(filter))), msg);
          }
          assertEquals(expected, pairs(index.search(query, SearchOptions.defaults(k, len).withFilter(filter))), msg);
          assertEquals(expected, pairs(index.search(query, SearchOptions.exact(k, len).withFilter(filter))), msg);
        }
        if (filter == null) {
          // a probe for one candidate stops early: approximate, but every hit is a live code at its distance
          Hits few = index.search(query, SearchOptions.approximate(k, 1));
          assertEquals(1, few.stages().size());
          for (int i = 0; i < few.size(); i++) {
            assertEquals(Codes.hamming(codes[few.id(i)], query, spec.maxBits()), few.distance(i));
            assertTrue(!deleted.get(few.id(i)));
          }
        }
      }
    }
  }

  /**
   * A bound from other segments: the exact search returns the oracle's top k among the codes
   * within it, fewer when fewer lie within it, through the tables and the scan alike; 40,000
   * codes are enough for the scan to choose a prefix from a few blocks of its own.
   */
  @ParameterizedTest
  @ValueSource(ints = {4000, 40_000})
  void aBoundFromOtherSegmentsCutsTheHits(int n, Random r) {
    CodeSpec spec = SPECS[0];
    byte[][] codes = data(r, n, spec);
    CodeSegment withTables = withTables(spec, codes).segment();
    CodeSegment without = TestCodes.heapIndex(spec, codes).segment();
    for (int q = 0; q < 10; q++) {
      byte[] query = query(r, codes, spec);
      int k = 1 + r.nextInt(50);
      int len = spec.length(r.nextInt(spec.stages()));
      int bound = r.nextInt(len / 2 + 1);
      List<TestCodes.Pair> expected = bruteForce(codes, query, len, null, null, k, bound);
      for (CodeSegment seg : new CodeSegment[] {withTables, without}) {
        for (SearchOptions o : new SearchOptions[] {SearchOptions.exact(k, len), SearchOptions.defaults(k, len)}) {
          assertEquals(expected, pairs(seg.search(query, o, AcceptedIds.all(n), bound)),
              "k=" + k + " len=" + len + " bound=" + bound + " tables=" + (seg == withTables));
        }
      }
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> withTables.search(new byte[16], SearchOptions.exact(1), AcceptedIds.all(n), -1));
    assertTrue(e.getMessage().contains("-1"), e.getMessage());
  }

  /**
   * A scan's block buffers are the thread's own: a filter that runs another search on the same
   * thread while a scan holds them (a search inside a search) gets fresh ones, and both answers
   * stay exact.
   */
  @Test
  void aSearchInsideAFilterKeepsBothScansExact(Random r) {
    CodeSpec spec = CodeSpec.of(16, 32, 64, 128);
    int n = 3 * StageSearch.BLOCK + 17;
    byte[][] codes = data(r, n, spec);
    CodeSegment seg = TestCodes.heapIndex(spec, codes).segment();
    byte[] inner = query(r, codes, spec);
    List<TestCodes.Pair> innerExpected = bruteForce(codes, inner, 128, null, null, 5, 128);
    int[] nested = {0};
    AcceptedIds odd = new AcceptedIds() {
      @Override
      public boolean accept(int id) {
        if (id % 1000 == 1) {
          nested[0]++;
          assertEquals(innerExpected, pairs(seg.search(inner, SearchOptions.exact(5, 128), AcceptedIds.all(n))));
        }
        return id % 2 == 1;
      }

      @Override
      public long estimatedCount() {
        return n / 2;
      }
    };
    BitSet oddIds = new BitSet(n);
    for (int i = 1; i < n; i += 2) {
      oddIds.set(i);
    }
    byte[] outer = query(r, codes, spec);
    for (int len : new int[] {16, 128}) {
      List<TestCodes.Pair> expected = bruteForce(codes, outer, len, oddIds, null, 20, len);
      assertEquals(expected, pairs(seg.search(outer, SearchOptions.exact(20, len), odd)), "len=" + len);
    }
    assertTrue(nested[0] > 0, "the filter searched while the scan ran");
  }

  /** Ties at the k-th distance are where an unordered collector can go wrong: many duplicates. */
  @RepeatedTest(3)
  void multiIndexKeepsTheSmallestIdsAmongTies(Random r) {
    CodeSpec spec = SPECS[0];
    int n = 5000;
    byte[][] distinct = TestCodes.random(r, 40, 16);
    byte[][] codes = new byte[n][];
    for (int i = 0; i < n; i++) {
      codes[i] = distinct[r.nextInt(distinct.length)].clone();
      if (r.nextInt(3) == 0) {
        codes[i][r.nextInt(16)] ^= (byte) (1 << r.nextInt(8));
      }
    }
    NestedCodeIndex index = withTables(spec, codes);
    for (int q = 0; q < 20; q++) {
      byte[] query = codes[r.nextInt(n)].clone();
      int k = 1 + r.nextInt(300);
      List<TestCodes.Pair> expected = bruteForce(codes, query, 128, null, null, k, 128);
      Hits hits = index.search(query, SearchOptions.approximate(k, Long.MAX_VALUE));
      assertEquals(expected, pairs(hits), "k=" + k);
      assertEquals(1, hits.stages().size(), hits.stages().toString());
    }
  }

  /** Near neighbours in a large index: the default answers from the tables, reading a few codes. */
  @Test
  void theDefaultUsesTheTablesWhenTheyAreCheaper(Random r) {
    int n = 40_000;
    byte[][] codes = TestCodes.clustered(r, n, 16, 400, 0.02);
    NestedCodeIndex index = withTables(SPECS[0], codes);
    int viaTables = 0;
    for (int q = 0; q < 20; q++) {
      byte[] query = codes[r.nextInt(n)];
      Hits hits = index.search(query, SearchOptions.defaults(10));
      assertEquals(bruteForce(codes, query, 128, null, null, 10, 128), pairs(hits));
      viaTables += answeredByTables(hits, n) ? 1 : 0;
    }
    assertTrue(viaTables >= 18, viaTables + " of 20 searches used the tables");
    // uniform codes: the tables would read most codes, so the search gives up early and scans
    byte[][] uniform = TestCodes.random(r, n, 16);
    NestedCodeIndex u = withTables(SPECS[0], uniform);
    for (int q = 0; q < 5; q++) {
      byte[] query = TestCodes.random(r, 1, 16)[0];
      Hits hits = u.search(query, SearchOptions.defaults(10));
      assertEquals(bruteForce(uniform, query, 128, null, null, 10, 128), pairs(hits));
      assertEquals(2, hits.stages().size(), hits.stages().toString());
      assertTrue(hits.stages().getFirst().candidates() < n / 20, hits.stages().toString());
    }
  }

  @Test
  void radiusSearchesProbeTheTablesExactly(Random r) {
    int n = 10_000;
    CodeSpec spec = SPECS[1]; // 8/16/32/64/128
    byte[][] codes = new byte[n][];
    byte[][] distinct = TestCodes.random(r, 300, 16);
    for (int i = 0; i < n; i++) { // many exact duplicates, some near ones
      codes[i] = distinct[r.nextInt(distinct.length)].clone();
      if (r.nextInt(4) == 0) {
        codes[i][8 + r.nextInt(8)] ^= (byte) (1 << r.nextInt(8));
      }
    }
    NestedCodeIndex index = withTables(spec, codes);
    BitSet deleted = new BitSet();
    for (int i = 0; i < 500; i++) {
      int id = r.nextInt(n);
      index.delete(id);
      deleted.set(id);
    }
    int probed = 0;
    for (int q = 0; q < 10; q++) {
      byte[] query = codes[r.nextInt(n)];
      BitSet filter = r.nextBoolean() ? null : TestCodes.randomFilter(r, n);
      for (int len : spec.lengths()) {
        for (int radius : new int[] {0, 1, 3, 9}) {
          if (radius > len) {
            continue;
          }
          Hits hits = index.radius(query, len, radius, filter);
          assertEquals(bruteForce(codes, query, len, filter, deleted, n, radius), pairs(hits),
              "len=" + len + " radius=" + radius);
          probed += hits.stages().getFirst().candidates() < n ? 1 : 0;
        }
      }
    }
    assertTrue(probed > 40, probed + " radius searches read the tables");
  }

  @Test
  @SuppressWarnings("deprecation") // the deprecated aliases keep working
  void noTablesBelowTheThreshold(Random r) {
    NestedCodeIndex.Builder b = NestedCodeIndex.builder(SPECS[0]);
    for (byte[] c : TestCodes.random(r, 1000, 16)) {
      b.add(c);
    }
    assertTrue(!b.build().hasMultiIndex());
    assertTrue(b.multiIndexFrom(1000).build().hasMultiIndex());
    assertTrue(!b.multiIndexFrom(1001).build().hasMultiIndex());
    assertTrue(b.prefixTableFrom(1000).build().hasPrefixTable());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.multiIndexFrom(0));
    assertTrue(e.getMessage().contains("got 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SearchOptions.approximate(10, 0));
    assertTrue(e.getMessage().contains("got 0"), e.getMessage());
  }

  @Test
  void exactSearchAtEveryLengthMatchesBruteForce(Random r) {
    for (CodeSpec spec : SPECS) {
      for (int n : SIZES) {
        byte[][] codes = data(r, n, spec);
        NestedCodeIndex index = TestCodes.heapIndex(spec, codes);
        assertEquals(n, index.size());
        for (int q = 0; q < 3; q++) {
          byte[] query = query(r, codes, spec);
          for (int len : spec.lengths()) {
            int k = 1 + r.nextInt(r.nextBoolean() ? 10 : 300);
            Hits hits = index.search(query, SearchOptions.exact(k, len));
            assertEquals(bruteForce(codes, query, len, null, null, k, len), pairs(hits), spec + " n=" + n + " len=" + len + " k=" + k);
            assertEquals(1, hits.stages().size());
            assertEquals((long) n * len / 8, hits.bytesRead());
          }
        }
      }
    }
  }

  @Test
  void progressiveKeepingEveryCandidateEqualsExact(Random r) {
    for (CodeSpec spec : SPECS) {
      for (int n : SIZES) {
        byte[][] codes = data(r, n, spec);
        NestedCodeIndex index = TestCodes.heapIndex(spec, codes);
        byte[] query = query(r, codes, spec);
        int k = 1 + r.nextInt(50);
        for (int len : spec.lengths()) {
          Hits exact = index.search(query, SearchOptions.exact(k, len));
          Hits prog = index.search(query, SearchOptions.approximate(ProgressivePlan.exhaustive(spec, len, k)));
          assertEquals(pairs(exact), pairs(prog), spec + " n=" + n + " len=" + len);
          assertEquals(spec.stageOf(len) + 1, prog.stages().size());
          // keeping n candidates explicitly, too
          if (n > 0 && spec.stageOf(len) > 0) {
            Hits keepN = index.search(query, SearchOptions.approximate(ProgressivePlan.of(
                new ProgressivePlan.Stage(spec.length(0), Math.max(n, k)), new ProgressivePlan.Stage(len, k))));
            assertEquals(pairs(exact), pairs(keepN));
          }
        }
      }
    }
  }

  @Test
  void progressiveStagesRankTheirSurvivorsExactly(Random r) {
    // a plan that really prunes: each stage's output is the oracle's top `keep` at that length,
    // among the survivors of the stage before
    CodeSpec spec = CodeSpec.of(16, 32, 64, 128);
    byte[][] codes = data(r, 6000, spec);
    NestedCodeIndex index = TestCodes.heapIndex(spec, codes);
    byte[] query = query(r, codes, spec);
    int[] keeps = {1500, 300, 60, 7};
    BitSet survivors = null;
    for (int s = 0; s < 4; s++) {
      List<TestCodes.Pair> top = bruteForce(codes, query, spec.length(s), survivors, null, keeps[s], 999);
      survivors = new BitSet();
      for (TestCodes.Pair p : top) {
        survivors.set(p.id());
      }
      if (s == 3) {
        Hits hits = index.search(query, SearchOptions.approximate(ProgressivePlan.of(
            new ProgressivePlan.Stage(16, 1500), new ProgressivePlan.Stage(32, 300),
            new ProgressivePlan.Stage(64, 60), new ProgressivePlan.Stage(128, 7))));
        assertEquals(top, pairs(hits));
        assertEquals(List.of(6000L, 1500L, 300L, 60L),
            hits.stages().stream().map(Hits.StageStats::candidates).toList());
        assertEquals(6000L * 2 + 1500L * 2 + 300L * 4 + 60L * 8, hits.bytesRead());
      }
    }
  }

  @Test
  void defaultPlanFindsClusteredNeighbours(Random r) {
    CodeSpec spec = CodeSpec.of(16, 32, 64, 128);
    byte[][] codes = TestCodes.clustered(r, 20000, 16, 50, 0.08);
    NestedCodeIndex index = TestCodes.heapIndex(spec, codes);
    // the plan the default gives a million codes, on 20,000 (the default searches these exactly)
    ProgressivePlan plan = ProgressivePlan.defaultPlan(spec, 1_000_000, 10, 128);
    assertEquals(List.of(32, 64, 128), plan.stages().stream().map(ProgressivePlan.Stage::length).toList());
    int found = 0;
    for (int q = 0; q < 20; q++) {
      // a query from the data's distribution: a stored code with a few bits flipped
      byte[] query = codes[r.nextInt(codes.length)].clone();
      for (int f = 0; f < 4; f++) {
        query[r.nextInt(16)] ^= (byte) (1 << r.nextInt(8));
      }
      Hits exact = index.search(query, SearchOptions.exact(10));
      Hits prog = index.search(query, SearchOptions.approximate(plan));
      assertEquals(3, prog.stages().size());
      // the k-th distance can only be worse, never better, than exact
      assertTrue(prog.distance(9) >= exact.distance(9));
      for (int i = 0; i < 10; i++) {
        for (int j = 0; j < 10; j++) {
          if (prog.id(j) == exact.id(i)) {
            found++;
          }
        }
      }
    }
    assertTrue(found >= 190, "recall@10 " + found / 200.0);
  }

  @Test
  void defaultPlanShape() {
    CodeSpec spec = CodeSpec.of(8, 16, 32, 64, 128);
    assertEquals(ProgressivePlan.exact(128, 10), ProgressivePlan.defaultPlan(spec, ProgressivePlan.EXACT_UP_TO, 10, 128));
    assertEquals(
        ProgressivePlan.of(
            new ProgressivePlan.Stage(32, 2000), new ProgressivePlan.Stage(64, 1000),
            new ProgressivePlan.Stage(128, 10)),
        ProgressivePlan.defaultPlan(spec, 10_000_000, 10, 128));
    // 300,000 codes want 27 bits: the first stage is 32, never 8 or 16
    assertEquals(
        ProgressivePlan.of(
            new ProgressivePlan.Stage(32, 200), new ProgressivePlan.Stage(64, 100),
            new ProgressivePlan.Stage(128, 1)),
        ProgressivePlan.defaultPlan(spec, 300_000, 1, 128));
    // a first stage that would keep more than a sixteenth of the codes: exact
    assertEquals(ProgressivePlan.exact(128, 100), ProgressivePlan.defaultPlan(spec, 300_000, 100, 128));
    // a spec without 32 bits starts at the first length past 24
    assertEquals(48, ProgressivePlan.defaultPlan(CodeSpec.of(16, 48, 96), 1 << 19, 10, 96).stages().get(0).length());
    assertEquals(ProgressivePlan.exact(16, 5), ProgressivePlan.defaultPlan(CodeSpec.of(16), 1 << 20, 5, 16));
    assertEquals(ProgressivePlan.exact(16, 5), ProgressivePlan.defaultPlan(spec, 1 << 20, 5, 16));
    assertThrows(IllegalArgumentException.class, () -> ProgressivePlan.defaultPlan(spec, 10, 0, 128));
  }

  @Test
  void largeScansWithASampledBoundStayExact(Random r) {
    // past 128 blocks a scan starts from a bound estimated on sampled blocks; check it, and its
    // fallback when the sample misleads
    CodeSpec spec = CodeSpec.of(16, 32, 64, 128);
    int n = 300_000;
    byte[][] codes = TestCodes.clustered(r, n, 16, 300, 0.06);
    byte[] query = query(r, codes, spec);
    // the sampled blocks (every (blocks / 32)-th) hold copies of the query: the sample predicts
    // that every code is at distance 0, and only those blocks are
    int blocks = (n + StageSearch.BLOCK - 1) / StageSearch.BLOCK;
    int step = blocks / StageSearch.SAMPLE_BLOCKS;
    byte[][] misleading = codes.clone();
    for (int b = 0; b < StageSearch.SAMPLE_BLOCKS; b++) {
      for (int i = 0; i < StageSearch.BLOCK; i++) {
        misleading[b * step * StageSearch.BLOCK + i] = query.clone();
      }
    }
    BitSet half = randomFilter(r, n, 0.5);
    for (byte[][] data : new byte[][][] {codes, misleading}) {
      NestedCodeIndex index = TestCodes.heapIndex(spec, data);
      for (int len : new int[] {16, 32, 128}) {
        for (int k : new int[] {1, 10, 3000, 70_000}) {
          BitSet filter = r.nextBoolean() ? null : half;
          List<TestCodes.Pair> expected = bruteForce(data, query, len, filter, null, k, len);
          List<TestCodes.Pair> actual = pairs(index.search(query, SearchOptions.exact(k, len).withFilter(filter)));
          // no assertEquals: a failure would print 70 000 pairs twice
          assertTrue(expected.equals(actual), "len=" + len + " k=" + k
              + (data == misleading ? " misleading sample" : "") + (filter == null ? "" : " filtered")
              + ": " + actual.size() + " hits differ from brute force");
        }
      }
    }
  }

  @Test
  void prunedScansReadLessAndStayExact(Random r) {
    // under a bound a scan reads a prefix of every code and the rest only of the codes whose
    // prefix is under the bound: exact for every plane layout, with and without tables (whose
    // bound the scan then starts from), under filters and deletions
    int n = 280_000;
    for (CodeSpec spec : new CodeSpec[] {CodeSpec.of(16, 32, 64, 128), CodeSpec.of(24, 48, 72)}) {
      byte[][] codes = TestCodes.clustered(r, n, spec.maxBytes(), n / 1000, 0.12);
      NestedCodeIndex plain = TestCodes.heapIndex(spec, codes);
      NestedCodeIndex tables = withTables(spec, codes);
      BitSet deleted = new BitSet();
      for (int i = 0; i < 500; i++) {
        int id = r.nextInt(n);
        tables.delete(id);
        deleted.set(id);
      }
      int length = spec.maxBits();
      for (int q = 0; q < 4; q++) {
        // a member of a cluster: its neighbours are near, most codes far
        byte[] query = codes[r.nextInt(n)].clone();
        query[r.nextInt(query.length)] ^= 1;
        for (int k : new int[] {1, 10, 200}) {
          BitSet filter = r.nextBoolean() ? null : TestCodes.randomFilter(r, n);
          List<TestCodes.Pair> expected = bruteForce(codes, query, length, filter, null, k, length);
          Hits scan = plain.search(query, SearchOptions.approximate(ProgressivePlan.exact(length, k)).withFilter(filter));
          assertEquals(expected, pairs(scan), spec + " k=" + k + (filter == null ? "" : " filtered"));
          assertEquals(bruteForce(codes, query, length, filter, deleted, k, length),
              pairs(tables.search(query, SearchOptions.exact(k).withFilter(filter))), spec + " k=" + k + " tables");
        }
      }
    }
  }

  @Test
  void aScanUnderATightBoundReadsPrefixesOnly(Random r) {
    // random codes, and near copies of the query in every sampled block: the sample's bound is a
    // few bits, which almost no random code's 16-bit prefix passes, so the scan reads the rest of
    // the codes of the few that do
    CodeSpec spec = CodeSpec.of(16, 32, 64, 128);
    int n = 280_000;
    byte[][] codes = TestCodes.random(r, n, spec.maxBytes());
    byte[] query = codes[0].clone();
    int blocks = (n + StageSearch.BLOCK - 1) / StageSearch.BLOCK;
    int step = blocks / StageSearch.SAMPLE_BLOCKS;
    for (int b = 0; b < StageSearch.SAMPLE_BLOCKS; b++) {
      for (int i = 0; i < 2; i++) {
        codes[b * step * StageSearch.BLOCK + 1 + i] = oneBitAway(r, query);
      }
    }
    NestedCodeIndex index = TestCodes.heapIndex(spec, codes);
    Hits hits = index.search(query, SearchOptions.approximate(ProgressivePlan.exact(128, 10)));
    assertExactTop10ReadingLess(codes, query, 128, hits, (long) n * 4);
  }

  @Test
  void aSmallSegmentUnderABoundFromOthersReadsPrefixes(Random r) {
    // too small to sample (fewer than 128 blocks): the scan under another segment's bound picks
    // its prefix from the share of unrelated codes under it, which for random codes and a bound of
    // 20 bits is almost none at 64 bits
    CodeSpec spec = CodeSpec.of(8, 16, 32, 64, 128);
    int n = 40_000;
    byte[][] codes = TestCodes.random(r, n, spec.maxBytes());
    byte[] query = codes[0].clone();
    for (int i = 1; i < 40; i++) {
      codes[r.nextInt(n)] = oneBitAway(r, query);
    }
    CodeSegment segment = TestCodes.heapIndex(spec, codes).segment();
    int bound = 20;
    Hits hits = segment.search(query, SearchOptions.exact(10), AcceptedIds.all(n), bound);
    assertExactTop10ReadingLess(codes, query, bound, hits, (long) n * 9);
  }

  @Test
  void aPrefixThatPrunesNothingGivesWayToWholeCodes(Random r) {
    // every code a near copy of the query: unrelated codes would not pass a 64-bit prefix under
    // the bound, but these all do, which the first block shows; the scan then reads whole codes
    // (the rule below) and stays exact
    CodeSpec spec = CodeSpec.of(8, 16, 32, 64, 128);
    int n = 40_000;
    byte[] query = TestCodes.random(r, 1, spec.maxBytes())[0];
    byte[][] codes = new byte[n][];
    for (int i = 0; i < n; i++) {
      codes[i] = query.clone();
      for (int f = 0; f < 12; f++) {
        codes[i][r.nextInt(codes[i].length)] ^= (byte) (1 << r.nextInt(8));
      }
    }
    CodeSegment segment = TestCodes.heapIndex(spec, codes).segment();
    int bound = 20;
    Hits hits = segment.search(query, SearchOptions.exact(10), AcceptedIds.all(n), bound);
    assertEquals(bruteForce(codes, query, 128, null, null, 10, bound), pairs(hits));
    // the rule, on a worked example (planes of 1, 1, 2, 4 and 8 bytes; a gather costs what 300
    // bytes read in order do): 8 bytes for every code and a gather for 2% of them, 14 a code, beat
    // 16; for 3% of them, 17 a code, they do not
    int[] codeBytes = {1, 2, 4, 8, 16};
    assertEquals(300.0, CostModel.GATHER_PER_PLANE);
    assertTrue(StageSearch.prefixPays(codeBytes, 4, 0.02));
    assertFalse(StageSearch.prefixPays(codeBytes, 4, 0.03));
    assertEquals(4, StageSearch.cheapestPrefix(codeBytes, p -> p == 4 ? 0.02 : 1.0));
    assertEquals(5, StageSearch.cheapestPrefix(codeBytes, p -> p == 4 ? 0.03 : 1.0));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 8, 16, 30})
  void theShareOfUnrelatedCodesUnderABoundIsABinomialTail(int bits) {
    for (int bound = -1; bound <= bits + 2; bound++) {
      java.math.BigInteger below = java.math.BigInteger.ZERO;
      for (int d = 0; d < Math.min(bound, bits + 1); d++) {
        below = below.add(binomial(bits, d));
      }
      double expected = new java.math.BigDecimal(below)
          .divide(new java.math.BigDecimal(java.math.BigInteger.ONE.shiftLeft(bits)), java.math.MathContext.DECIMAL64)
          .doubleValue();
      assertEquals(expected, CostModel.unrelatedBelow(bits, bound), 1e-12, "bits=" + bits + " bound=" + bound);
    }
  }

  /** The hits are the oracle's top 10 at 128 bits within {@code bound}, read from fewer than {@code maxRead} bytes. */
  private static void assertExactTop10ReadingLess(byte[][] codes, byte[] query, int bound, Hits hits, long maxRead) {
    assertEquals(bruteForce(codes, query, 128, null, null, 10, bound), pairs(hits));
    long read = hits.stages().getFirst().bytesRead();
    assertTrue(read < maxRead, "read " + read + " bytes, more than " + maxRead + " (a full scan reads "
        + (long) codes.length * codes[0].length + ")");
  }

  /** A copy of {@code code} with one random bit flipped. */
  private static byte[] oneBitAway(Random r, byte[] code) {
    byte[] near = code.clone();
    near[r.nextInt(near.length)] ^= (byte) (1 << r.nextInt(8));
    return near;
  }

  private static java.math.BigInteger binomial(int n, int k) {
    java.math.BigInteger c = java.math.BigInteger.ONE;
    for (int i = 0; i < k; i++) {
      c = c.multiply(java.math.BigInteger.valueOf(n - i)).divide(java.math.BigInteger.valueOf(i + 1));
    }
    return c;
  }

  @RepeatedTest(3)
  void radiusMatchesBruteForce(Random r) {
    for (CodeSpec spec : SPECS) {
      int n = SIZES[r.nextInt(SIZES.length)];
      byte[][] codes = data(r, n, spec);
      NestedCodeIndex index = TestCodes.heapIndex(spec, codes);
      byte[] query = query(r, codes, spec);
      for (int len : spec.lengths()) {
        int radius = r.nextInt(len / 2 + 1);
        BitSet filter = r.nextBoolean() ? null : randomFilter(r, n, r.nextBoolean() ? 0.5 : 0.005);
        Hits hits = index.radius(query, len, radius, filter);
        assertEquals(bruteForce(codes, query, len, filter, null, Integer.MAX_VALUE, radius), pairs(hits),
            spec + " n=" + n + " len=" + len + " r=" + radius);
      }
    }
  }

  static BitSet randomFilter(Random r, int n, double p) {
    BitSet b = new BitSet(n);
    for (int i = 0; i < n; i++) {
      if (r.nextDouble() < p) {
        b.set(i);
      }
    }
    return b;
  }

  @Test
  void filtersAndDeletionsAreHonouredAtEveryStage(Random r) {
    CodeSpec spec = CodeSpec.of(16, 32, 64, 128);
    int n = 20000;
    byte[][] codes = TestCodes.clustered(r, n, 16, 10, 0.1);
    NestedCodeIndex index = TestCodes.heapIndex(spec, codes);
    BitSet deleted = randomFilter(r, n, 0.3);
    deleted.stream().forEach(index::delete);
    assertEquals(n - deleted.cardinality(), index.liveCount());
    for (double density : new double[] {1.0, 0.5, 0.01, 0.001, 0.0}) {
      BitSet filter = density == 1.0 ? null : randomFilter(r, n, density);
      byte[] query = query(r, codes, spec);
      for (int k : new int[] {1, 10, 100}) {
        List<TestCodes.Pair> expected = bruteForce(codes, query, 128, filter, deleted, k, 999);
        assertEquals(expected, pairs(index.search(query, SearchOptions.exact(k).withFilter(filter))), "density " + density);
        assertEquals(expected, pairs(index.search(query,
            SearchOptions.approximate(ProgressivePlan.exhaustive(spec, 128, k)).withFilter(filter))));
        // a pruning plan never returns a deleted or filtered id
        Hits prog = index.search(query, SearchOptions.defaults(k).withFilter(filter));
        for (int i = 0; i < prog.size(); i++) {
          assertTrue(!deleted.get(prog.id(i)) && (filter == null || filter.get(prog.id(i))));
        }
        assertEquals(Math.min(k, expected.size()), prog.size());
      }
    }
    assertTrue(index.isDeleted(deleted.nextSetBit(0)));
    assertEquals(false, index.delete(deleted.nextSetBit(0)));
  }

  @Test
  void codesReadBack(Random r) {
    for (CodeSpec spec : SPECS) {
      byte[][] codes = data(r, 3000, spec);
      NestedCodeIndex index = TestCodes.heapIndex(spec, codes);
      for (int i = 0; i < codes.length; i += 1 + r.nextInt(50)) {
        assertArrayEquals(codes[i], index.code(i));
      }
    }
  }

  @Test
  void badArgumentsAreRejected() {
    CodeSpec spec = CodeSpec.of(16, 32);
    NestedCodeIndex index = TestCodes.heapIndex(spec, new byte[][] {new byte[4], new byte[4]});
    assertThrows(IllegalArgumentException.class, () -> NestedCodeIndex.builder(spec).add(new byte[2]));
    assertMsg(() -> index.search(new byte[3], SearchOptions.exact(1)), "got 3 bytes");
    assertMsg(() -> index.search(new byte[4], SearchOptions.exact(1, 24)), "length 24 is not one of");
    assertMsg(() -> index.search(new byte[4], SearchOptions.exact(0)), "k must be positive, got 0");
    assertMsg(() -> index.radius(new byte[4], 16, 17), "got 17");
    assertMsg(() -> index.radius(new byte[4], 16, -1), "got -1");
    assertMsg(() -> index.code(2), "id 2 is out of range [0, 2)");
    assertMsg(() -> index.delete(-1), "id -1");
    assertMsg(() -> index.search(new byte[4], SearchOptions.approximate(ProgressivePlan.of(
        new ProgressivePlan.Stage(8, 10), new ProgressivePlan.Stage(32, 1)))), "plan stage length 8");
    assertMsg(() -> ProgressivePlan.of(new ProgressivePlan.Stage(32, 10), new ProgressivePlan.Stage(16, 1)), "got 32 then 16");
    assertMsg(() -> ProgressivePlan.of(new ProgressivePlan.Stage(16, 10), new ProgressivePlan.Stage(32, 11)), "got 10 then 11");
    assertMsg(() -> new ProgressivePlan.Stage(16, 0), "got 0");
    assertMsg(() -> ProgressivePlan.of(), "at least one stage");
    // a query of a shorter final length is fine
    assertEquals(2, index.search(new byte[2], SearchOptions.exact(5, 16)).size());
  }

  static void assertMsg(org.junit.jupiter.api.function.Executable e, String part) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage().contains(part), () -> "\"" + ex.getMessage() + "\" lacks \"" + part + "\"");
  }

  @Test
  void concurrentSearchesWithDeletes(Random r) throws Exception {
    CodeSpec spec = CodeSpec.of(16, 32, 64, 128);
    int n = 30000;
    byte[][] codes = TestCodes.clustered(r, n, 16, 20, 0.1);
    NestedCodeIndex index = TestCodes.heapIndex(spec, codes);
    byte[][] queries = new byte[40][];
    List<List<TestCodes.Pair>> expected = new java.util.ArrayList<>();
    for (int i = 0; i < queries.length; i++) {
      queries[i] = query(r, codes, spec);
      expected.add(bruteForce(codes, queries[i], 128, null, null, 10, 999));
    }
    // a second index is deleted from while it is searched
    NestedCodeIndex deleting = TestCodes.heapIndex(spec, codes);
    java.util.concurrent.atomic.AtomicInteger deletedUpTo = new java.util.concurrent.atomic.AtomicInteger(-1);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
      fs.add(pool.submit(() -> {
        for (int id = 0; id < n; id += 3) {
          deleting.delete(id);
          deletedUpTo.set(id);
        }
      }));
      for (int t = 0; t < 3; t++) {
        fs.add(pool.submit(() -> {
          for (int round = 0; round < 5; round++) {
            for (int i = 0; i < queries.length; i++) {
              assertEquals(expected.get(i), pairs(index.search(queries[i], SearchOptions.exact(10))));
              int before = deletedUpTo.get();
              Hits h = deleting.search(queries[i], SearchOptions.defaults(10));
              for (int j = 0; j < h.size(); j++) {
                int id = h.id(j);
                assertTrue(id % 3 != 0 || id > before, "deleted id " + id + " returned");
              }
            }
          }
          return null;
        }));
      }
      for (var f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** A search's final length is settled once; options that name one keep it and refuse another. */
  @Test
  void optionsSettleTheirLengthOnce() {
    SearchOptions probe = SearchOptions.approximate(5, 100);
    assertTrue(probe.length().isEmpty());
    assertEquals(64, probe.withLength(64).length().getAsInt());
    assertEquals(100, probe.withLength(64).probeCandidates().getAsLong());
    assertEquals(SearchOptions.exact(5, 32), SearchOptions.exact(5, 32).withLength(32));
    IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
        () -> SearchOptions.exact(5, 32).withLength(64));
    assertTrue(other.getMessage().contains("at 32 bits, not 64"), other.getMessage());
    assertThrows(IllegalArgumentException.class, () -> probe.withLength(12));
    // a probe at 64 bits of a 128-bit index: with every candidate, the exact top k at 64 bits
    Random r = new Random(3);
    CodeSpec spec = CodeSpec.of(16, 32, 64, 128);
    NestedCodeIndex.Builder b = NestedCodeIndex.builder(spec).multiIndexFrom(1);
    List<byte[]> codes = new java.util.ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      byte[] c = new byte[16];
      r.nextBytes(c);
      codes.add(c);
      b.add(c);
    }
    NestedCodeIndex index = b.build();
    byte[] q = java.util.Arrays.copyOf(codes.get(7), 8);
    Hits exact = index.search(q, SearchOptions.exact(10, 64));
    Hits probed = index.search(q, SearchOptions.approximate(10, Long.MAX_VALUE).withLength(64));
    assertArrayEquals(exact.ids(), probed.ids());
    assertArrayEquals(exact.distances(), probed.distances());
  }

  @Test
  void filterAsAcceptedIdsOrBitSet(Random r) {
    CodeSpec spec = SPECS[0];
    int n = 3000;
    byte[][] codes = TestCodes.random(r, n, spec.maxBytes());
    NestedCodeIndex.Builder b = NestedCodeIndex.builder(spec);
    for (byte[] c : codes) {
      b.add(c);
    }
    NestedCodeIndex index = b.build();
    BitSet allowed = TestCodes.randomFilter(r, n);
    for (int q = 0; q < 20; q++) {
      byte[] query = codes[r.nextInt(n)];
      for (SearchOptions o : new SearchOptions[] {SearchOptions.defaults(10), SearchOptions.exact(10, 16)}) {
        List<TestCodes.Pair> viaIds = pairs(index.search(query, o.withAcceptedIds(AcceptedIds.of(allowed))));
        assertEquals(pairs(index.search(query, o.withFilter(allowed))), viaIds);
        int len = o.length().orElse(spec.maxBits());
        assertEquals(bruteForce(codes, query, len, allowed, new BitSet(), 10, len), viaIds);
      }
      assertEquals(pairs(index.radius(query, 16, 3, allowed)), pairs(index.radiusAmong(query, 16, 3, AcceptedIds.of(allowed))));
    }
    assertEquals(SearchOptions.defaults(5).withFilter(allowed), SearchOptions.defaults(5).withFilter(allowed));
    assertTrue(SearchOptions.defaults(5).withFilter(allowed).filter().isPresent());
    assertMsg(() -> SearchOptions.defaults(5).withAcceptedIds(null), "accepted ids are null");
  }
}
