package dev.nhl.bench;

import dev.nhl.index.internal.vectorization.HammingKernel;
import dev.nhl.index.internal.vectorization.VectorizationProvider;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.util.VectorUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Hamming distances of one query to {@value #CODES} cache-resident codes at a stage length of a
 * 16/32/64/128 spec, four ways: nhl's column-wise planes with the SIMD kernel and with the scalar
 * kernel; row-major {@code long[]} codes with {@link Long#bitCount} (one code at a time, as a
 * per-pair Hamming function does); and Lucene's {@link VectorUtil#xorBitCount(byte[], byte[])}
 * over one {@code byte[]} prefix per code. Every variant writes one distance per code. Scores are
 * ns per code.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class KernelBenchmark {

  /** Codes per call: 16 384 x 16 bytes = 256 KiB, resident in L2. */
  static final int CODES = 16384;

  static final int BLOCK = 2048;
  // word size of each plane of a 16/32/64/128 spec, and the first code byte it holds
  static final int[] WORDS = {2, 2, 4, 8};
  static final int[] OFFSETS = {0, 2, 4, 8};
  static final ValueLayout.OfLong LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  @Param({"16", "32", "64", "128"})
  public int bits;

  HammingKernel simd;
  HammingKernel scalar;
  MemorySegment[] planes;
  long[] queryWords;
  int planeCount;
  long[] rows;
  long q0;
  long q1;
  long mask0;
  byte[][] prefixes;
  byte[] queryPrefix;
  short[] dist;
  int[] idist;

  @Setup(Level.Trial)
  public void setup() {
    simd = VectorizationProvider.lookup("panama").hammingKernel();
    scalar = VectorizationProvider.lookup("scalar").hammingKernel();
    SplittableRandom r = new SplittableRandom(7);
    byte[][] codes = new byte[CODES][16];
    for (byte[] c : codes) {
      for (int i = 0; i < 16; i++) {
        c[i] = (byte) r.nextInt();
      }
    }
    byte[] query = new byte[16];
    for (int i = 0; i < 16; i++) {
      query[i] = (byte) r.nextInt();
    }
    planeCount = switch (bits) {
      case 16 -> 1;
      case 32 -> 2;
      case 64 -> 3;
      default -> 4;
    };
    planes = new MemorySegment[planeCount];
    queryWords = new long[planeCount];
    for (int p = 0; p < planeCount; p++) {
      int w = WORDS[p];
      byte[] plane = new byte[CODES * w];
      for (int j = 0; j < CODES; j++) {
        System.arraycopy(codes[j], OFFSETS[p], plane, j * w, w);
      }
      planes[p] = java.lang.foreign.Arena.ofAuto().allocate(plane.length, 64);
      MemorySegment.copy(MemorySegment.ofArray(plane), 0, planes[p], 0, plane.length);
      long qw = 0;
      for (int b = 0; b < w; b++) {
        qw |= (query[OFFSETS[p] + b] & 0xFFL) << (8 * b);
      }
      queryWords[p] = qw;
    }
    rows = new long[CODES * 2];
    for (int j = 0; j < CODES; j++) {
      rows[2 * j] = MemorySegment.ofArray(codes[j]).get(LE, 0);
      rows[2 * j + 1] = MemorySegment.ofArray(codes[j]).get(LE, 8);
    }
    q0 = MemorySegment.ofArray(query).get(LE, 0);
    q1 = MemorySegment.ofArray(query).get(LE, 8);
    mask0 = bits >= 64 ? -1L : (1L << bits) - 1; // little-endian: the first bits/8 bytes are the low bits
    prefixes = new byte[CODES][];
    for (int j = 0; j < CODES; j++) {
      prefixes[j] = java.util.Arrays.copyOf(codes[j], bits / 8);
    }
    queryPrefix = java.util.Arrays.copyOf(query, bits / 8);
    dist = new short[BLOCK];
    idist = new int[CODES];
  }

  private int columns(HammingKernel k) {
    int sum = 0;
    for (int start = 0; start < CODES; start += BLOCK) {
      // in the order a search uses: the widest plane first, overwriting, the others adding
      for (int p = planeCount - 1; p >= 0; p--) {
        k.scan(planes[p], WORDS[p], queryWords[p], start, BLOCK, dist, p < planeCount - 1);
      }
      sum += dist[start & (BLOCK - 1)];
    }
    return sum;
  }

  /** nhl's planes, Vector API kernel. */
  @Benchmark
  @OperationsPerInvocation(CODES)
  public int columnsSimd() {
    return columns(simd);
  }

  /** nhl's planes, scalar kernel. */
  @Benchmark
  @OperationsPerInvocation(CODES)
  public int columnsScalar() {
    return columns(scalar);
  }

  /** Row-major longs, one code at a time with Long.bitCount. */
  @Benchmark
  @OperationsPerInvocation(CODES)
  public int rowsLongBitCount() {
    long[] rows = this.rows;
    int[] out = idist;
    if (bits <= 64) {
      for (int j = 0; j < CODES; j++) {
        out[j] = Long.bitCount((rows[2 * j] ^ q0) & mask0);
      }
    } else {
      for (int j = 0; j < CODES; j++) {
        out[j] = Long.bitCount(rows[2 * j] ^ q0) + Long.bitCount(rows[2 * j + 1] ^ q1);
      }
    }
    return out[CODES - 1];
  }

  /** One byte[] prefix per code, Lucene's VectorUtil.xorBitCount. */
  @Benchmark
  @OperationsPerInvocation(CODES)
  public int luceneXorBitCount() {
    byte[][] p = prefixes;
    byte[] q = queryPrefix;
    int[] out = idist;
    for (int j = 0; j < CODES; j++) {
      out[j] = VectorUtil.xorBitCount(q, p[j]);
    }
    return out[CODES - 1];
  }
}
