package dev.nhl.bench;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import dev.nhl.index.Hits;
import dev.nhl.index.NestedCodeIndex;
import dev.nhl.index.SearchOptions;
import dev.nhl.lucene.NestedCodeField;
import dev.nhl.lucene.NestedHammingQuery;
import dev.nhl.lucene.NhlCodec;
import dev.nhl.lucene.NhlDocValuesFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.bitvectors.HnswBitVectorsFormat;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnByteVectorField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnByteVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;

/**
 * The default query on a live Lucene index: the same generated 128-bit codes (see {@link
 * CodeGenerator}) in one segment, in many segments as a live index has them ({@code
 * NoMergePolicy}, a flush every {@code n / segments} documents), in an index written under
 * {@code TieredMergePolicy} with a near-real-time reader reopened after every flush, with the
 * multi-index tables written from several segment sizes; and nhl-index alone on the same codes.
 * Latencies are taken in interleaved rounds (every index once a round, the first round a warm-up),
 * so that the machine's drift falls on all alike and the ratios within a run hold; then queries
 * per second with 1 to N threads each running queries in turn, and the bytes a query allocates.
 * Every answer of nhl is checked against a brute-force scan of the codes (exact top 10, ties
 * included).
 *
 * <p>With {@code --hnsw 10,50,200}, every document also holds its code as a {@link
 * KnnByteVectorField} in Lucene's {@link HnswBitVectorsFormat}, so that HNSW is searched on the very
 * segments nhl searches ({@link KnnByteVectorQuery} with each {@code k} given, its top 10 kept);
 * its recall is the share of the true top 10's distances it returns (ties counted as found).
 *
 * <p>Usage: {@code LiveIndexBenchmark [--codes N] [--data KIND] [--segments 1,10,30] [--table-from
 * 262144] [--tiered] [--hnsw 10,50,200] [--queries 200] [--rounds 5] [--threads 1,2,4,8] [--seconds
 * 3] [--work DIR]}.
 */
public final class LiveIndexBenchmark {

  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64, 128);
  static final int K = 10;

  private LiveIndexBenchmark() {}

  /** A searchable index of the codes: a label and the search of one query, returning the top k's distances. */
  private interface Target {
    int[] search(byte[] q) throws IOException;
  }

  /** Runs the benchmark and prints its tables. */
  public static void main(String[] args) throws Exception {
    int n = 1_000_000;
    String data = "clustered";
    int[] segmentCounts = {1, 10, 30};
    int[] tableFroms = {NestedCodeIndex.DEFAULT_TABLE_FROM};
    boolean tiered = false;
    int[] fanouts = {};
    int queries = 200;
    int rounds = 5;
    int[] threadCounts = {1, 2, 4, 8};
    double seconds = 3;
    Path work = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--codes" -> n = Integer.parseInt(args[++i]);
        case "--data" -> data = args[++i];
        case "--segments" -> segmentCounts = ints(args[++i]);
        case "--table-from" -> tableFroms = ints(args[++i]);
        case "--tiered" -> tiered = true;
        case "--hnsw" -> fanouts = ints(args[++i]);
        case "--queries" -> queries = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--threads" -> threadCounts = ints(args[++i]);
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--work" -> work = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    boolean temporary = work == null;
    if (temporary) {
      work = Files.createTempDirectory("nhl-live-bench");
    }
    System.out.printf(Locale.ROOT, "# %,d %s 128-bit codes, %d queries, top %d, %d rounds (the first a warm-up); "
            + "%s, %d cores, JDK %s%n", n, data, queries, K, rounds, System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors(), Runtime.version());
    CodeGenerator gen = new CodeGenerator(data, n, 42);
    byte[][] codes = gen.next(n);
    byte[][] qs = gen.next(queries);
    int[][] truth = new int[queries][];
    for (int q = 0; q < queries; q++) {
      truth[q] = bruteForce(codes, qs[q]);
    }

    Map<String, Target> targets = new LinkedHashMap<>();
    Map<String, Integer> segmentsOf = new LinkedHashMap<>();
    Map<String, Target> approximate = new LinkedHashMap<>();
    boolean hnsw = fanouts.length > 0;
    List<AutoCloseable> open = new ArrayList<>();
    NestedCodeIndex.Builder b = NestedCodeIndex.builder(SPEC);
    for (byte[] c : codes) {
      b.add(c);
    }
    NestedCodeIndex alone = b.build();
    targets.put("nhl-index alone", q -> distances(alone.search(q, SearchOptions.defaults(K))));
    segmentsOf.put("nhl-index alone", 1);
    for (int from : tableFroms) {
      for (int s : segmentCounts) {
        String label = String.format(Locale.ROOT, "Lucene, %d segment%s, tables from %,d codes", s, s == 1 ? "" : "s", from);
        Path dir = work.resolve("s" + s + "-t" + from + (hnsw ? "-hnsw" : ""));
        long t0 = System.nanoTime();
        DirectoryReader reader = build(dir, codes, s, from, false, hnsw, open);
        System.err.printf(Locale.ROOT, "built %s in %.1f s%n", label, (System.nanoTime() - t0) / 1e9);
        add(targets, segmentsOf, label, reader);
        if (hnsw && from == tableFroms[0]) {
          IndexSearcher searcher = new IndexSearcher(reader);
          for (int fanout : fanouts) {
            String h = String.format(Locale.ROOT, "HNSW k=%d, the same %d segment%s", fanout, s, s == 1 ? "" : "s");
            // documents are the codes in order: one flush after another, no merge, no delete
            Target t = q -> {
              ScoreDoc[] hits = searcher.search(new KnnByteVectorQuery("vec", q, fanout), K).scoreDocs;
              int[] d = new int[hits.length];
              for (int i = 0; i < d.length; i++) {
                d[i] = Codes.hamming(q, codes[hits[i].doc], 128);
              }
              Arrays.sort(d);
              return d;
            };
            targets.put(h, t);
            approximate.put(h, t);
            segmentsOf.put(h, reader.leaves().size());
          }
        }
      }
      if (tiered) {
        String label = String.format(Locale.ROOT, "Lucene, TieredMergePolicy + NRT reopens, tables from %,d codes", from);
        long t0 = System.nanoTime();
        DirectoryReader reader = build(work.resolve("tiered-t" + from), codes, 0, from, true, false, open);
        System.err.printf(Locale.ROOT, "built %s in %.1f s%n", label, (System.nanoTime() - t0) / 1e9);
        add(targets, segmentsOf, label, reader);
      }
    }

    // answers first: every target of nhl exact; HNSW's recall
    Map<String, Double> recall = new LinkedHashMap<>();
    for (var e : targets.entrySet()) {
      if (approximate.containsKey(e.getKey())) {
        double found = 0;
        for (int q = 0; q < queries; q++) {
          found += found(e.getValue().search(qs[q]), truth[q]);
        }
        recall.put(e.getKey(), found / (queries * (double) K));
        continue;
      }
      for (int q = 0; q < queries; q++) {
        int[] got = e.getValue().search(qs[q]);
        if (!Arrays.equals(got, truth[q])) {
          throw new IllegalStateException(e.getKey() + " answered query " + q + " with distances " + Arrays.toString(got)
              + ", brute force " + Arrays.toString(truth[q]));
        }
      }
    }
    System.err.println("every answer of nhl equals brute force");

    Map<String, List<Long>> nanos = new LinkedHashMap<>();
    targets.keySet().forEach(k -> nanos.put(k, new ArrayList<>()));
    Map<String, Long> allocated = new LinkedHashMap<>();
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    for (int r = 0; r < rounds; r++) {
      for (var e : targets.entrySet()) {
        long bytes0 = mx.getCurrentThreadAllocatedBytes();
        for (byte[] q : qs) {
          long t0 = System.nanoTime();
          e.getValue().search(q);
          long t = System.nanoTime() - t0;
          if (r > 0) {
            nanos.get(e.getKey()).add(t);
          }
        }
        if (r == rounds - 1) {
          allocated.put(e.getKey(), (mx.getCurrentThreadAllocatedBytes() - bytes0) / qs.length);
        }
      }
    }
    Map<String, double[]> qps = new LinkedHashMap<>();
    for (var e : targets.entrySet()) {
      double[] row = new double[threadCounts.length];
      for (int i = 0; i < threadCounts.length; i++) {
        row[i] = throughput(e.getValue(), qs, threadCounts[i], seconds);
      }
      qps.put(e.getKey(), row);
    }

    System.out.printf(Locale.ROOT, "%n| index | segments | recall@10 | p50 | p99 | p50 / one segment | p50 / nhl-index alone | bytes allocated a query |");
    for (int t : threadCounts) {
      System.out.printf(Locale.ROOT, " QPS, %d thread%s |", t, t == 1 ? "" : "s");
    }
    System.out.printf(Locale.ROOT, "%n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |%s%n", " ---: |".repeat(threadCounts.length));
    double aloneP50 = percentile(nanos.get("nhl-index alone"), 0.5);
    for (String k : targets.keySet()) {
      double p50 = percentile(nanos.get(k), 0.5);
      String one = k.replaceFirst("\\d+ segments?", "1 segment");
      String vsOne = nanos.containsKey(one) && !one.equals(k) ? String.format(Locale.ROOT, "%.2f", p50 / percentile(nanos.get(one), 0.5)) : "";
      String r = recall.containsKey(k) ? String.format(Locale.ROOT, "%.4f", recall.get(k)) : "1 (exact)";
      System.out.printf(Locale.ROOT, "| %s | %d | %s | %.3f ms | %.3f ms | %s | %.2f | %,d |", k, segmentsOf.get(k), r, p50 / 1e6,
          percentile(nanos.get(k), 0.99) / 1e6, vsOne, p50 / aloneP50, allocated.get(k));
      for (double v : qps.get(k)) {
        System.out.printf(Locale.ROOT, " %,.0f |", v);
      }
      System.out.println();
    }
    for (AutoCloseable c : open) {
      c.close();
    }
    if (temporary) {
      try (var walk = Files.walk(work)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void add(Map<String, Target> targets, Map<String, Integer> segmentsOf, String label, DirectoryReader reader) {
    IndexSearcher searcher = new IndexSearcher(reader);
    // the codes are the documents' ids: doc d holds codes[d] (no deletes, docs in order)
    targets.put(label, q -> {
      ScoreDoc[] hits = searcher.search(NestedHammingQuery.defaults("code", q, K), K).scoreDocs;
      int[] d = new int[hits.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = NestedHammingQuery.distance(hits[i].score);
      }
      return d;
    });
    segmentsOf.put(label, reader.leaves().size());
  }

  /**
   * Writes the codes with nhl's codec: {@code segments} segments of equal size under {@code
   * NoMergePolicy} (one: force-merged), or under {@code TieredMergePolicy} with a flush and an
   * NRT reopen every 50,000 codes; returns the reader to search.
   */
  private static DirectoryReader build(Path path, byte[][] codes, int segments, int tableFrom, boolean tiered,
      boolean hnsw, List<AutoCloseable> open) throws IOException {
    Directory dir = new MMapDirectory(path);
    open.add(dir);
    if (DirectoryReader.indexExists(dir)) {
      DirectoryReader r = DirectoryReader.open(dir);
      open.add(r);
      return r;
    }
    int perFlush = tiered ? 50_000 : (int) Math.ceil(codes.length / (double) Math.max(1, segments));
    // flushes by document count alone: the count is set before the RAM trigger is turned off,
    // which IndexWriterConfig refuses while no other trigger is on
    Codec codec = new NhlCodec(new NhlDocValuesFormat(tableFrom));
    if (hnsw) {
      // nhl's codec with HNSW over bit vectors for "vec"; the per-field format is recorded in the
      // segment, so the codec the service loader builds reads it back
      KnnVectorsFormat bits = new HnswBitVectorsFormat();
      KnnVectorsFormat perField = new PerFieldKnnVectorsFormat() {
        @Override
        public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
          return bits;
        }
      };
      codec = new FilterCodec(NhlCodec.NAME, codec) {
        @Override
        public KnnVectorsFormat knnVectorsFormat() {
          return perField;
        }
      };
    }
    IndexWriterConfig config = new IndexWriterConfig().setCodec(codec)
        .setMaxBufferedDocs(Math.max(2, perFlush)).setRAMBufferSizeMB(IndexWriterConfig.DISABLE_AUTO_FLUSH);
    config.setMergePolicy(tiered ? new TieredMergePolicy() : NoMergePolicy.INSTANCE);
    DirectoryReader nrt = null;
    try (IndexWriter w = new IndexWriter(dir, config)) {
      for (int i = 0; i < codes.length; i++) {
        Document d = new Document();
        d.add(new NestedCodeField("code", codes[i], SPEC));
        if (hnsw) {
          d.add(new KnnByteVectorField("vec", codes[i], VectorSimilarityFunction.EUCLIDEAN));
        }
        w.addDocument(d);
        if (tiered && (i + 1) % perFlush == 0) {
          // an application's refresh: a near-real-time reader after every flush
          DirectoryReader next = nrt == null ? DirectoryReader.open(w) : DirectoryReader.openIfChanged(nrt, w);
          if (next != null) {
            if (nrt != null) {
              nrt.close();
            }
            nrt = next;
          }
        }
      }
      if (segments == 1 && !tiered) {
        w.forceMerge(1);
      }
      w.commit();
      if (nrt != null) {
        nrt.close();
      }
    }
    DirectoryReader r = DirectoryReader.open(dir);
    open.add(r);
    return r;
  }

  /** Queries per second with {@code threads} threads each running the queries in turn for about {@code seconds}. */
  private static double throughput(Target t, byte[][] qs, int threads, double seconds) throws Exception {
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    List<Thread> workers = new ArrayList<>();
    Throwable[] failure = new Throwable[1];
    long t0 = System.nanoTime();
    for (int i = 0; i < threads; i++) {
      int offset = i * 17;
      Thread th = new Thread(() -> {
        try {
          for (int j = offset; System.nanoTime() < end; j++) {
            t.search(qs[j % qs.length]);
            done.incrementAndGet();
          }
        } catch (Throwable e) {
          failure[0] = e;
        }
      });
      workers.add(th);
      th.start();
    }
    for (Thread th : workers) {
      th.join();
    }
    if (failure[0] != null) {
      throw new IllegalStateException(failure[0]);
    }
    return done.get() / ((System.nanoTime() - t0) / 1e9);
  }

  private static int[] distances(Hits hits) {
    int[] d = new int[hits.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = hits.distance(i);
    }
    return d;
  }

  /** How many of the true top k's distances {@code got} holds (both sorted; a tie counts as found). */
  static int found(int[] got, int[] truth) {
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < got.length && j < truth.length) {
      if (got[i] == truth[j]) {
        n++;
        i++;
        j++;
      } else if (got[i] < truth[j]) {
        i++;
      } else {
        j++;
      }
    }
    return n;
  }

  /** The k smallest distances at 128 bits, by a scan of every code. */
  static int[] bruteForce(byte[][] codes, byte[] q) {
    int[] count = new int[129];
    for (byte[] c : codes) {
      count[Codes.hamming(q, c, 128)]++;
    }
    int[] out = new int[K];
    int i = 0;
    for (int d = 0; d <= 128 && i < K; d++) {
      for (int c = 0; c < count[d] && i < K; c++) {
        out[i++] = d;
      }
    }
    return Arrays.copyOf(out, i);
  }

  private static double percentile(List<Long> v, double p) {
    long[] a = v.stream().mapToLong(Long::longValue).sorted().toArray();
    return a[Math.min(a.length - 1, (int) (p * a.length))];
  }

  private static int[] ints(String s) {
    return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
  }
}
