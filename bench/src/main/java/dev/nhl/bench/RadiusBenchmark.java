package dev.nhl.bench;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Hits;
import dev.nhl.index.NestedCodeIndex;
import java.util.concurrent.TimeUnit;
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
 * Radius search at 64 bits over {@code n} clustered 16/32/64/128 codes in memory: the same codes
 * with a prefix table ({@code table}: the buckets within the radius) and without one ({@code
 * columns}: a scan of the 64-bit prefix). Both are exact; setup checks that they agree.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g"})
public class RadiusBenchmark {

  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64, 128);
  static final int LENGTH = 64;
  static final int QUERY_POOL = 256;

  @Param({"1000000", "10000000"})
  public int n;

  @Param({"0", "2", "3"})
  public int radius;

  NestedCodeIndex withTable;
  NestedCodeIndex withoutTable;
  byte[][] queries;
  int next;

  @Setup(Level.Trial)
  public void setup() {
    CodeGenerator gen = new CodeGenerator("clustered", n, 42);
    NestedCodeIndex.Builder with = NestedCodeIndex.builder(SPEC).multiIndexFrom(1);
    NestedCodeIndex.Builder without = NestedCodeIndex.builder(SPEC).multiIndexFrom(Integer.MAX_VALUE);
    byte[] code = new byte[16];
    for (int i = 0; i < n; i++) {
      gen.next(code);
      with.add(code);
      without.add(code);
    }
    withTable = with.build();
    withoutTable = without.build();
    queries = new byte[QUERY_POOL][];
    long hits = 0;
    for (int i = 0; i < QUERY_POOL; i++) {
      queries[i] = gen.next();
      Hits a = withTable.radius(queries[i], LENGTH, radius);
      Hits b = withoutTable.radius(queries[i], LENGTH, radius);
      if (!java.util.Arrays.equals(a.ids(), b.ids())) {
        throw new IllegalStateException("table and columns disagree on query " + i);
      }
      hits += a.size();
    }
    System.out.printf("%n# n=%d radius=%d at %d bits: %.1f hits per query%n", n, radius, LENGTH, hits / (double) QUERY_POOL);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    withTable.close();
    withoutTable.close();
  }

  private byte[] query() {
    next = (next + 1) & (QUERY_POOL - 1);
    return queries[next];
  }

  @Benchmark
  public Hits table() {
    return withTable.radius(query(), LENGTH, radius);
  }

  @Benchmark
  public Hits columns() {
    return withoutTable.radius(query(), LENGTH, radius);
  }
}
