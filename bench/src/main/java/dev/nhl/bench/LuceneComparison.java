package dev.nhl.bench;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.ProgressivePlan;
import dev.nhl.lucene.NestedCodeField;
import dev.nhl.lucene.NestedHammingQuery;
import dev.nhl.lucene.NhlCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.bitvectors.HnswBitVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnByteVectorField;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnByteVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.util.VectorUtil;

/**
 * End-to-end comparison inside Lucene, on the same generated 128-bit codes (see {@link
 * CodeGenerator}, one data kind a run): nhl's codec with {@link NestedHammingQuery} (exact; the
 * default, exact through the multi-index tables or a scan; approximate probes of the tables with
 * several candidate counts; a progressive plan over the columns) against
 * {@code HnswBitVectorsFormat} with {@code KnnByteVectorQuery}, and against an exact scan of the
 * flat bit vectors that format stores. Reports indexing time, index size, query latency p50/p99
 * and recall@10 against exact search (tie-aware: a hit at the exact 10th distance counts while
 * the exact top 10 has that many at it). HNSW is searched with growing candidate lists until its
 * recall reaches 0.99.
 *
 * <p>Usage: {@code LuceneComparison [codes] [queries] [workdir] [--threads N] [--no-force-merge]}
 * [--reuse] [--data KIND] (see {@link CodeGenerator}; default clustered) [--plot DIR] (writes an SVG of recall against p50 latency there) (default 1,000,000 codes, 200 queries, a temporary folder that is deleted at the end,
 * one indexing thread, force-merged to one segment). {@code --search-threads N} gives both
 * searchers an executor of N threads, so that the segments of one query are searched in parallel.
 * Both sides are always indexed the same way.
 * {@code --reuse} searches the indexes a previous run left in the work folder instead of
 * building them (the codes are the same: same generator and seed), and builds only a side whose
 * index is missing (delete {@code workdir/nhl} to rebuild nhl's alone); reused sides report no
 * indexing time.
 */
public final class LuceneComparison {

  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64, 128);
  static final int K = 10;

  /** Every search reported, for the plot. */
  private static final List<SearchCurves.Point> POINTS = new ArrayList<>();

  private LuceneComparison() {}

  /** Runs the comparison and prints its table. */
  public static void main(String[] args) throws Exception {
    List<String> positional = new ArrayList<>();
    int threads = 1;
    int searchThreads = 1;
    boolean forceMerge = true;
    boolean reuse = false;
    String data = "clustered";
    Path plot = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--search-threads" -> searchThreads = Integer.parseInt(args[++i]);
        case "--data" -> data = args[++i];
        case "--no-force-merge" -> forceMerge = false;
        case "--reuse" -> reuse = true;
        case "--plot" -> plot = Path.of(args[++i]);
        default -> positional.add(args[i]);
      }
    }
    int n = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 1_000_000;
    int queries = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 200;
    boolean keep = positional.size() > 2;
    Path work = keep ? Path.of(positional.get(2)) : Files.createTempDirectory("nhl-lucene-bench");
    System.out.printf(Locale.ROOT, "# %,d %s 128-bit codes, %d queries, top %d; indexing with %d thread(s), %s; "
            + "searching segments with %d thread(s); %s, %d cores, JDK %s%n",
        n, data, queries, K, threads, forceMerge ? "force-merged to one segment" : "no force-merge", searchThreads,
        System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(), Runtime.version());
    // both searchers get the same executor: segments searched in parallel, as IndexSearcher does
    // for every query that rewrites per leaf (KnnByteVectorQuery and NestedHammingQuery alike)
    java.util.concurrent.ExecutorService executor =
        searchThreads > 1 ? java.util.concurrent.Executors.newFixedThreadPool(searchThreads) : null;
    CodeGenerator gen = new CodeGenerator(data, n, 42);
    byte[][] codes = gen.next(n);
    byte[][] qs = gen.next(queries);
    // each side is indexed and then searched before the other is built, so that neither pays
    // for the other's garbage or JIT history
    try (Directory nhlDir = new MMapDirectory(work.resolve("nhl"));
        Directory hnswDir = new MMapDirectory(work.resolve("hnsw"))) {
      // each side found in the work directory under --reuse is searched as it is; a missing one is built
      boolean nhlBuilt = reuse && DirectoryReader.indexExists(nhlDir);
      boolean hnswBuilt = reuse && DirectoryReader.indexExists(hnswDir);
      if (nhlBuilt || hnswBuilt) {
        System.err.println("searching the indexes already in " + work + " (same codes: generated with the same seed)");
      }
      long nhlIndexNanos = nhlBuilt ? 0 : index(nhlDir, new NhlCodec(), codes, threads, forceMerge, c -> {
        Document d = new Document();
        d.add(new NestedCodeField("code", c, SPEC));
        return d;
      });
      List<String> rows = new ArrayList<>();
      int[][] exact = new int[queries][];
      try (DirectoryReader nhlReader = DirectoryReader.open(nhlDir)) {
        IndexSearcher nhl = new IndexSearcher(nhlReader, executor);
        int[] pos = positions(nhlReader);
        for (int q = 0; q < queries; q++) {
          exact[q] = distances(nhl.search(NestedHammingQuery.exact("code", qs[q], K), K), qs[q], codes, pos);
        }
        report(rows, "nhl exact (NestedHammingQuery.exact)", nhlReader.leaves().size(), qs, exact, codes, pos,
            q -> nhl.search(NestedHammingQuery.exact("code", q, K), K));
        int segments = nhlReader.leaves().size();
        report(rows, "nhl default (exact: multi-index tables or scan)", segments, qs, exact, codes, pos,
            q -> nhl.search(NestedHammingQuery.defaults("code", q, K), K));
        int largest = 0;
        for (LeafReaderContext ctx : nhlReader.leaves()) {
          largest = Math.max(largest, ctx.reader().maxDoc());
        }
        for (long c : new long[] {1_000, 10_000, 100_000}) {
          report(rows, String.format(Locale.ROOT, "nhl probing, %,d candidates", c), segments, qs, exact, codes, pos,
              q -> nhl.search(NestedHammingQuery.approximate("code", q, K, c), K));
        }
        ProgressivePlan columnPlan = ProgressivePlan.defaultPlan(SPEC, largest, K, 128);
        report(rows, "nhl progressive over the columns (plan " + columnPlan.stages() + ")", segments, qs, exact, codes,
            pos, q -> nhl.search(NestedHammingQuery.approximate("code", q, columnPlan), K));
      }
      // Lucene's default codec with the bit-vector HNSW format per field: readable without config
      Codec hnswCodec = new Lucene104Codec() {
        private final KnnVectorsFormat format = new HnswBitVectorsFormat();

        @Override
        public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
          return format;
        }
      };
      long hnswIndexNanos = hnswBuilt ? 0 : index(hnswDir, hnswCodec, codes, threads, forceMerge, c -> {
        Document d = new Document();
        d.add(new KnnByteVectorField("vec", c, VectorSimilarityFunction.EUCLIDEAN));
        return d;
      });
      try (DirectoryReader hnswReader = DirectoryReader.open(hnswDir)) {
        IndexSearcher hnsw = new IndexSearcher(hnswReader, executor);
        int[] pos = positions(hnswReader);
        report(rows, "exact scan of HNSW's flat bit vectors", hnswReader.leaves().size(), qs, exact, codes, pos,
            q -> flatScan(hnswReader, q));
        for (int fanout : new int[] {10, 20, 50, 100, 200, 500, 1000, 2000}) {
          double recall = report(rows, "HNSW, KnnByteVectorQuery k=" + fanout + ", top 10", hnswReader.leaves().size(), qs, exact, codes, pos,
              q -> top(hnsw.search(new KnnByteVectorQuery("vec", q, fanout), fanout), K));
          if (recall >= 0.99) {
            break;
          }
        }
      }
      System.out.printf(Locale.ROOT, "%n| index | indexing time | index size |%n| --- | ---: | ---: |%n");
      String nhlTime = nhlBuilt ? "(reused)" : String.format(Locale.ROOT, "%.1f s", nhlIndexNanos / 1e9);
      String hnswTime = hnswBuilt ? "(reused)" : String.format(Locale.ROOT, "%.1f s", hnswIndexNanos / 1e9);
      System.out.printf(Locale.ROOT, "| nhl codec (NestedCodeField) | %s | %.1f MB |%n", nhlTime, size(nhlDir) / 1e6);
      System.out.printf(Locale.ROOT, "| HnswBitVectorsFormat (KnnByteVectorField) | %s | %.1f MB |%n", hnswTime, size(hnswDir) / 1e6);
      if (!nhlBuilt && !hnswBuilt) {
        System.out.printf(Locale.ROOT, "| ratio HNSW / nhl | %.1fx | |%n", (double) hnswIndexNanos / nhlIndexNanos);
      }
      System.out.printf(Locale.ROOT, "%n| search | segments | p50 | p99 | recall@10 |%n| --- | ---: | ---: | ---: | ---: |%n");
      rows.forEach(System.out::println);
      if (plot != null) {
        Files.createDirectories(plot);
        String name = data.startsWith("file:") ? "file-" + Path.of(data.substring(5)).getFileName() : data;
        String base = String.format(Locale.ROOT, "lucene-%s-%d", name, n);
        Files.writeString(plot.resolve(base + ".svg"), SearchCurves.Svg.plot(
            String.format(Locale.ROOT, "Lucene, %,d %s codes, top %d: nhl and HNSW", n, data, K), POINTS));
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
            "| search | segments | p50 | p99 | recall@10 |%n| --- | ---: | ---: | ---: | ---: |%n"));
        rows.forEach(r -> md.append(r).append(System.lineSeparator()));
        Files.writeString(plot.resolve(base + ".md"), md);
      }
    } finally {
      if (executor != null) {
        executor.shutdown();
      }
      if (!keep) {
        deleteRecursively(work);
      }
    }
  }

  interface DocMaker {
    Document make(byte[] code);
  }

  interface Search {
    TopDocs run(byte[] query) throws IOException;
  }

  private static long index(Directory dir, Codec codec, byte[][] codes, int threads, boolean forceMerge, DocMaker maker)
      throws IOException {
    IndexWriterConfig cfg = new IndexWriterConfig().setCodec(codec).setRAMBufferSizeMB(1024);
    long t0 = System.nanoTime();
    java.util.concurrent.atomic.AtomicLong added = new java.util.concurrent.atomic.AtomicLong();
    try (IndexWriter w = new IndexWriter(dir, cfg)) {
      List<Thread> workers = new ArrayList<>();
      IOException[] failure = new IOException[1];
      for (int t = 0; t < threads; t++) {
        int from = (int) ((long) codes.length * t / threads);
        int to = (int) ((long) codes.length * (t + 1) / threads);
        Thread th = new Thread(() -> {
          try {
            for (int i = from; i < to; i++) {
              Document d = maker.make(codes[i]);
              // the code's position, so that hits map back to codes whatever the doc order
              d.add(new org.apache.lucene.document.NumericDocValuesField("pos", i));
              w.addDocument(d);
              long a = added.incrementAndGet();
              if (a % 1_000_000 == 0) {
                System.err.printf(Locale.ROOT, "%s: %,d documents added, %.1f s%n", codec.getName(), a, (System.nanoTime() - t0) / 1e9);
              }
            }
          } catch (IOException e) {
            failure[0] = e;
          }
        });
        th.start();
        workers.add(th);
      }
      for (Thread th : workers) {
        try {
          th.join();
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
      }
      if (failure[0] != null) {
        throw failure[0];
      }
      if (forceMerge) {
        w.forceMerge(1);
      }
      w.commit();
    }
    long t = System.nanoTime() - t0;
    System.err.printf(Locale.ROOT, "%s: indexed and merged in %.1f s%n", codec.getName(), t / 1e9);
    return t;
  }

  private static long size(Directory dir) throws IOException {
    long s = 0;
    for (String f : dir.listAll()) {
      s += dir.fileLength(f);
    }
    return s;
  }

  /** The exact scan of the flat vectors: every stored vector, Lucene's xorBitCount, top k. */
  static TopDocs flatScan(DirectoryReader reader, byte[] q) throws IOException {
    PriorityQueue<int[]> worst = new PriorityQueue<>((a, b) -> a[1] != b[1] ? Integer.compare(b[1], a[1]) : Integer.compare(b[0], a[0]));
    for (LeafReaderContext ctx : reader.leaves()) {
      ByteVectorValues values = ctx.reader().getByteVectorValues("vec");
      KnnVectorValues.DocIndexIterator it = values.iterator();
      for (int doc = it.nextDoc(); doc != KnnVectorValues.DocIndexIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
        int d = VectorUtil.xorBitCount(q, values.vectorValue(it.index()));
        if (worst.size() < K) {
          worst.add(new int[] {ctx.docBase + doc, d});
        } else if (d < worst.peek()[1]) {
          worst.poll();
          worst.add(new int[] {ctx.docBase + doc, d});
        }
      }
    }
    List<int[]> hits = new ArrayList<>(worst);
    hits.sort((a, b) -> a[1] != b[1] ? Integer.compare(a[1], b[1]) : Integer.compare(a[0], b[0]));
    ScoreDoc[] sd = new ScoreDoc[hits.size()];
    for (int i = 0; i < sd.length; i++) {
      sd[i] = new ScoreDoc(hits.get(i)[0], NestedHammingQuery.score(hits.get(i)[1]));
    }
    return new TopDocs(new org.apache.lucene.search.TotalHits(sd.length, org.apache.lucene.search.TotalHits.Relation.EQUAL_TO), sd);
  }

  static TopDocs top(TopDocs docs, int k) {
    ScoreDoc[] sd = Arrays.copyOf(docs.scoreDocs, Math.min(k, docs.scoreDocs.length));
    return new TopDocs(docs.totalHits, sd);
  }

  /** Each global doc id's position in the generated codes. */
  static int[] positions(DirectoryReader reader) throws IOException {
    int[] pos = new int[reader.maxDoc()];
    for (LeafReaderContext ctx : reader.leaves()) {
      org.apache.lucene.index.NumericDocValues v = ctx.reader().getNumericDocValues("pos");
      for (int d = v.nextDoc(); d != org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS; d = v.nextDoc()) {
        pos[ctx.docBase + d] = (int) v.longValue();
      }
    }
    return pos;
  }

  /** Distances of the hits, recomputed from the codes they map to. */
  static int[] distances(TopDocs docs, byte[] q, byte[][] codes, int[] pos) {
    int[] d = new int[docs.scoreDocs.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = dev.nhl.index.Codes.hamming(codes[pos[docs.scoreDocs[i].doc]], q, 128);
    }
    Arrays.sort(d);
    return d;
  }

  /** Tie-aware recall: hits below the exact k-th distance, plus those at it up to the exact count there. */
  static double recall(int[] exact, int[] got) {
    if (exact.length == 0) {
      return 1;
    }
    int kth = exact[exact.length - 1];
    int atKthExact = 0;
    for (int d : exact) {
      atKthExact += d == kth ? 1 : 0;
    }
    int below = 0;
    int at = 0;
    for (int d : got) {
      if (d < kth) {
        below++;
      } else if (d == kth) {
        at++;
      }
    }
    return (below + Math.min(at, atKthExact)) / (double) exact.length;
  }

  private static double report(
      List<String> rows, String name, int segments, byte[][] qs, int[][] exact, byte[][] codes, int[] pos, Search search)
      throws IOException {
    QueryTiming.Result r = QueryTiming.measure(qs.length, exact, q -> distances(search.run(qs[q]), qs[q], codes, pos));
    String row = String.format(Locale.ROOT, "| %s | %d | %.2f ms | %.2f ms | %.3f |", name, segments, r.p50(), r.p99(),
        r.recall());
    POINTS.add(r.point(name.replace("KnnByteVectorQuery ", "")));
    System.err.println(row);
    rows.add(row);
    return r.recall();
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (Files.isDirectory(p)) {
      try (var s = Files.list(p)) {
        for (Path c : s.toList()) {
          deleteRecursively(c);
        }
      }
    }
    Files.deleteIfExists(p);
  }
}
