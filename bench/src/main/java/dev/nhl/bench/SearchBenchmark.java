package dev.nhl.bench;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Hits;
import dev.nhl.index.NestedCodeIndex;
import dev.nhl.index.ProgressivePlan;
import dev.nhl.index.SearchOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Top-10 search over {@code n} 16/32/64/128 codes held in memory, with multi-index tables: the
 * exact scan of the columns at 128 bits ({@code exact128}), the default search ({@code
 * progressive}: exact, through the tables where they are cheaper), progressive over the columns
 * with {@code ProgressivePlan.defaultPlan} ({@code progressiveColumns}), and, as the yardstick, a
 * plain sequential read of the same number of bytes as the exact scan ({@code memoryFloor128})
 * and as the 16-bit stage ({@code memoryFloor16}). Setup prints the recall@10 of both progressive
 * searches against exact and the bytes each search reads, over {@value #QUALITY_QUERIES} queries.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g"})
public class SearchBenchmark {

  static final int K = 10;
  static final int QUALITY_QUERIES = 200;
  static final int QUERY_POOL = 256;
  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64, 128);
  static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;

  @Param({"1000000", "10000000"})
  public int n;

  @Param({"clustered", "flip0.10", "uniform"})
  public String data;

  NestedCodeIndex index;
  SearchOptions columns;
  SearchOptions scan;
  byte[][] queries;
  int next;
  MemorySegment floor;

  @Setup(Level.Trial)
  public void setup() {
    CodeGenerator gen = new CodeGenerator(data, n, 42);
    NestedCodeIndex.Builder b = gen.addTo(NestedCodeIndex.builder(SPEC).multiIndexFrom(1), n);
    index = b.build();
    columns = SearchOptions.approximate(ProgressivePlan.defaultPlan(SPEC, n, K, 128));
    scan = SearchOptions.approximate(ProgressivePlan.exact(128, K));
    queries = new byte[QUERY_POOL][];
    for (int i = 0; i < QUERY_POOL; i++) {
      queries[i] = gen.next();
    }
    floor = Arena.ofAuto().allocate(16L * n, 64);
    floor.fill((byte) 1);
    report();
  }

  private void report() {
    long foundProbe = 0;
    long foundColumns = 0;
    long exactBytes = 0;
    long probeBytes = 0;
    long columnBytes = 0;
    for (int q = 0; q < QUALITY_QUERIES; q++) {
      byte[] query = queries[q % QUERY_POOL];
      Hits exact = index.search(query, scan);
      Hits probe = index.search(query, SearchOptions.defaults(K));
      Hits cols = index.search(query, columns);
      exactBytes += exact.bytesRead();
      probeBytes += probe.bytesRead();
      columnBytes += cols.bytesRead();
      foundProbe += common(exact, probe);
      foundColumns += common(exact, cols);
    }
    System.out.printf(
        "%n# quality n=%d data=%s: recall@10 vs exact: progressive %.4f, progressiveColumns %.4f;"
            + " bytes/query exact %,d, progressive %,d, progressiveColumns %,d%n",
        n, data, foundProbe / (double) (K * QUALITY_QUERIES), foundColumns / (double) (K * QUALITY_QUERIES),
        exactBytes / QUALITY_QUERIES, probeBytes / QUALITY_QUERIES, columnBytes / QUALITY_QUERIES);
  }

  private static int common(Hits a, Hits b) {
    int found = 0;
    for (int i = 0; i < a.size(); i++) {
      for (int j = 0; j < b.size(); j++) {
        if (a.id(i) == b.id(j)) {
          found++;
        }
      }
    }
    return found;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    index.close();
  }

  private byte[] query() {
    next = (next + 1) & (QUERY_POOL - 1);
    return queries[next];
  }

  @Benchmark
  public Hits exact128() {
    return index.search(query(), scan);
  }

  @Benchmark
  public Hits progressive() {
    return index.search(query(), SearchOptions.defaults(K));
  }

  @Benchmark
  public Hits progressiveColumns() {
    return index.search(query(), columns);
  }

  @Benchmark
  public long memoryFloor128() {
    return sum(16L * n);
  }

  @Benchmark
  public long memoryFloor16() {
    return sum(2L * n);
  }

  /** Reads {@code bytes} sequentially, one vector at a time: what a scan cannot beat. */
  private long sum(long bytes) {
    LongVector acc = LongVector.zero(L);
    long step = L.vectorByteSize();
    for (long off = 0; off + step <= bytes; off += step) {
      acc = acc.add(LongVector.fromMemorySegment(L, floor, off, java.nio.ByteOrder.LITTLE_ENDIAN));
    }
    return acc.reduceLanes(VectorOperators.ADD);
  }
}
