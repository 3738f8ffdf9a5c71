package dev.nhl.bench.opensearch;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import dev.nhl.lucene.NestedCodeField;
import dev.nhl.lucene.NestedHammingQuery;
import dev.nhl.lucene.NhlCodec;
import dev.nhl.opensearch.NestedHammingQueryBuilder;
import dev.nhl.opensearch.NhlPlugin;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.bulk.BulkResponse;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.plugins.Plugin;
import org.opensearch.search.SearchHit;
import org.opensearch.test.OpenSearchIntegTestCase;

/**
 * The engine's overhead: the same codes searched through a 3-node in-JVM OpenSearch cluster (3
 * shards, no replicas, each force-merged to one segment) and through plain nhl-lucene on the same
 * Lucene (one segment; and three segments of a third each, searched on an executor of three
 * threads, as the shards are), both exact (the default {@code progressive} mode), k = size = 10.
 * Also the per-shard figures of the capacity plan: indexing rate, bytes a code on disk, heap a
 * code, p50 and p99.
 *
 * <p>A harness, not a test: it runs only when asked, without assertions (as a production node
 * runs), {@code mvn -pl bench/opensearch test -DskipTests=false -Dtest=EngineOverheadBenchmark
 * -DenableAssertions=false -Dtests.asserts=false -Dnhl.bench.codes=1000000
 * -Dnhl.bench.queries=200}; {@code -Dnhl.bench.cluster=false} measures plain nhl-lucene alone
 * (for sizes a test JVM's cluster cannot index in reasonable time), {@code
 * -Dnhl.bench.concurrent=none} turns OpenSearch's concurrent segment search off. It is a module
 * of its own because both sides must run on the engine's Lucene (10.5.1), which {@code bench}'s
 * class path (Lucene 10.6) is not.
 *
 * <p>Data: clustered nested 128-bit codes ({@code n / 1000} random centres; bits 0-63 flipped
 * with probability 1/32, bits 64-127 with 1/8: the recipe of {@code bench}'s {@code clustered}
 * kind), seed 42; queries are fresh codes of the same centres.
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.SUITE, numDataNodes = 3, numClientNodes = 0,
    supportsDedicatedMasters = false)
public class EngineOverheadBenchmark extends OpenSearchIntegTestCase {

  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64, 128);
  static final int K = 10;

  @Override
  protected Collection<Class<? extends Plugin>> nodePlugins() {
    return List.of(NhlPlugin.class);
  }

  // the engine as it runs in production: no asserting engine wrappers, no mock store
  @Override
  protected boolean addMockInternalEngine() {
    return false;
  }

  @Override
  protected boolean addMockIndexStorePlugin() {
    return false;
  }

  @Override
  protected void beforeIndexDeletion() throws Exception {
    // its checks read state that only exists with assertions on (-ea); the harness runs without
    if (getClass().desiredAssertionStatus()) {
      super.beforeIndexDeletion();
    }
  }

  private static byte[] code(Random r, byte[][] centres) {
    byte[] c = centres[r.nextInt(centres.length)].clone();
    for (int b = 0; b < 128; b++) {
      if (r.nextDouble() < (b < 64 ? 1 / 32.0 : 1 / 8.0)) {
        c[b >>> 3] ^= (byte) (0x80 >>> (b & 7));
      }
    }
    return c;
  }

  public void testEngineOverhead() throws Exception {
    int n = Integer.getInteger("nhl.bench.codes", 1_000_000);
    int queries = Integer.getInteger("nhl.bench.queries", 200);
    boolean cluster = Boolean.parseBoolean(System.getProperty("nhl.bench.cluster", "true"));
    Random r = new Random(42);
    byte[][] centres = new byte[Math.max(1, n / 1000)][16];
    for (byte[] c : centres) {
      r.nextBytes(c);
    }
    byte[][] codes = new byte[n][];
    for (int i = 0; i < n; i++) {
      codes[i] = code(r, centres);
    }
    byte[][] qs = new byte[queries][];
    for (int i = 0; i < queries; i++) {
      qs[i] = code(r, centres);
    }
    System.out.printf(Locale.ROOT, "%n# %,d clustered nested 128-bit codes, %d queries, k = size = %d; %s, %d cores, JDK %s%n",
        n, queries, K, System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(), Runtime.version());
    List<String> rows = new ArrayList<>();
    Path work = Files.createTempDirectory("nhl-overhead");

    // plain nhl-lucene: one segment, and three thirds searched in parallel
    long heapBefore = usedHeap();
    long t0 = System.nanoTime();
    try (Directory one = new MMapDirectory(work.resolve("one"))) {
      index(one, codes, 0, n);
      double indexSeconds = (System.nanoTime() - t0) / 1e9;
      long bytes = sizeOf(work.resolve("one"));
      try (DirectoryReader reader = DirectoryReader.open(one)) {
        IndexSearcher searcher = new IndexSearcher(reader);
        int[][] exact = new int[queries][];
        for (int q = 0; q < queries; q++) {
          exact[q] = distances(searcher.search(NestedHammingQuery.defaults("code", qs[q], K), K), reader, codes, qs[q]);
        }
        double[] plain = time(qs, q -> searcher.search(NestedHammingQuery.defaults("code", q, K), K));
        long heap = usedHeap() - heapBefore;
        rows.add(row("nhl-lucene, 1 segment, 1 thread", plain));
        System.out.printf(Locale.ROOT, "%nplain nhl-lucene: indexed %,d codes in %.1f s (%,.0f codes/s, one thread), "
            + "%,d bytes on disk (%.1f a code), heap after opening and searching: %.1f bytes a code%n",
            n, indexSeconds, n / indexSeconds, bytes, bytes / (double) n, Math.max(0, heap) / (double) n);

        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (Directory a = new MMapDirectory(work.resolve("a"));
            Directory b = new MMapDirectory(work.resolve("b"));
            Directory c = new MMapDirectory(work.resolve("c"))) {
          index(a, codes, 0, n / 3);
          index(b, codes, n / 3, 2 * n / 3);
          index(c, codes, 2 * n / 3, n);
          try (IndexReader thirds = new MultiReader(DirectoryReader.open(a), DirectoryReader.open(b), DirectoryReader.open(c))) {
            IndexSearcher parallel = new IndexSearcher(thirds, pool);
            for (int q = 0; q < queries; q++) {
              assertArrayEquals(exact[q], distances(parallel.search(NestedHammingQuery.defaults("code", qs[q], K), K), thirds, codes, qs[q]));
            }
            rows.add(row("nhl-lucene, 3 segments of n/3, 3 threads", time(qs, q -> parallel.search(NestedHammingQuery.defaults("code", q, K), K))));
          }
        } finally {
          pool.shutdown();
        }

        if (cluster) {
          rows.add(clusterRow(codes, qs, exact, plain));
        }
      }
    }
    System.out.printf(Locale.ROOT, "%n| search | p50 | p99 |%n| --- | ---: | ---: |%n");
    rows.forEach(System.out::println);
  }

  private String clusterRow(byte[][] codes, byte[][] qs, int[][] exact, double[] plain) throws Exception {
    int n = codes.length;
    client().admin().indices().prepareCreate("codes")
        .setSettings(Settings.builder().put("index.number_of_shards", 3).put("index.number_of_replicas", 0)
            .put("index.codec", NhlPlugin.CODEC).put("index.refresh_interval", "-1")
            .put("index.search.concurrent_segment_search.mode", System.getProperty("nhl.bench.concurrent", "auto")))
        .setMapping("{\"properties\": {\"code\": {\"type\": \"nested_code\", \"lengths\": [16, 32, 64, 128]}}}")
        .get();
    ensureGreen("codes");
    long t0 = System.nanoTime();
    int batch = 5000;
    for (int from = 0; from < n; from += batch) {
      BulkRequestBuilder bulk = client().prepareBulk();
      for (int i = from; i < Math.min(n, from + batch); i++) {
        bulk.add(client().prepareIndex("codes").setId(Integer.toString(i))
            .setSource("{\"code\":\"" + Codes.toHex(codes[i]) + "\"}", XContentType.JSON));
      }
      BulkResponse response = bulk.get();
      assertFalse(response.buildFailureMessage(), response.hasFailures());
    }
    refresh("codes");
    double indexSeconds = (System.nanoTime() - t0) / 1e9;
    client().admin().indices().prepareForceMerge("codes").setMaxNumSegments(1).get();
    refresh("codes");
    long store = client().admin().indices().prepareStats("codes").setStore(true).get().getTotal().getStore().getSizeInBytes();
    System.out.printf(Locale.ROOT, "cluster: indexed %,d codes in %.1f s (%,.0f codes/s, bulk of %,d, 3 shards, 3 nodes in one JVM), "
        + "store %,d bytes (%.1f a code)%n", n, indexSeconds, n / indexSeconds, batch, store, store / (double) n);
    for (int q = 0; q < qs.length; q++) {
      SearchResponse response = client().prepareSearch("codes").setSize(K).setQuery(new NestedHammingQueryBuilder("code", qs[q], K)).get();
      int[] d = new int[response.getHits().getHits().length];
      int i = 0;
      for (SearchHit h : response.getHits().getHits()) {
        d[i++] = Codes.hamming(codes[Integer.parseInt(h.getId())], qs[q], 128);
      }
      assertArrayEquals("query " + q, exact[q], d);
    }
    double[] engine = time(qs, q -> client().prepareSearch("codes").setSize(K).setQuery(new NestedHammingQueryBuilder("code", q, K)).get());
    // the engine's own cost: the same request with a query that does no work (10 hits fetched too)
    double[] idle = time(qs, q -> client().prepareSearch("codes").setSize(K)
        .setQuery(org.opensearch.index.query.QueryBuilders.matchAllQuery()).get());
    // where a shard's time goes, by the profile API (the nhl search runs in the query's rewrite)
    double rewrite = 0;
    double query = 0;
    for (byte[] q : qs) {
      SearchResponse p = client().prepareSearch("codes").setSize(K).setProfile(true).setQuery(new NestedHammingQueryBuilder("code", q, K)).get();
      for (var shard : p.getProfileResults().values()) {
        var qr = shard.getQueryProfileResults().getFirst();
        rewrite += qr.getRewriteTime() / 1e6;
        query += qr.getQueryResults().stream().mapToLong(x -> x.getTime()).sum() / 1e6;
      }
    }
    System.out.printf(Locale.ROOT, "profile API, mean per shard and query: rewrite (the nhl search) %.3f ms, query %.3f ms%n",
        rewrite / (3.0 * qs.length), query / (3.0 * qs.length));
    return row("OpenSearch, 3 nodes, 3 shards, match_all (the engine's own cost)", idle) + System.lineSeparator()
        + row("OpenSearch, 3 nodes, 3 shards (exact, same hits)", engine)
        + String.format(Locale.ROOT, "%n| ratio OpenSearch / nhl-lucene 1 segment | %.1fx | %.1fx |", engine[0] / plain[0], engine[1] / plain[1]);
  }

  private static void index(Directory dir, byte[][] codes, int from, int to) throws IOException {
    IndexWriterConfig cfg = new IndexWriterConfig().setCodec(new NhlCodec()).setRAMBufferSizeMB(512);
    try (IndexWriter w = new IndexWriter(dir, cfg)) {
      for (int i = from; i < to; i++) {
        Document d = new Document();
        d.add(new NestedCodeField("code", codes[i], SPEC));
        d.add(new org.apache.lucene.document.StoredField("id", i));
        w.addDocument(d);
      }
      w.forceMerge(1);
    }
  }

  private static int[] distances(TopDocs top, IndexReader reader, byte[][] codes, byte[] q) throws IOException {
    int[] d = new int[top.scoreDocs.length];
    var stored = reader.storedFields();
    for (int i = 0; i < d.length; i++) {
      ScoreDoc sd = top.scoreDocs[i];
      int id = stored.document(sd.doc).getField("id").numericValue().intValue();
      d[i] = Codes.hamming(codes[id], q, 128);
    }
    return d;
  }

  interface Search {
    Object run(byte[] query) throws Exception;
  }

  /** p50 and p99 in ms, warm: passes over the queries until two agree within 5%, then one timed. */
  private static double[] time(byte[][] qs, Search s) throws Exception {
    double prev = Double.MAX_VALUE;
    for (int pass = 0; pass < 20; pass++) {
      long t0 = System.nanoTime();
      for (byte[] q : qs) {
        s.run(q);
      }
      double mean = (System.nanoTime() - t0) / (double) qs.length;
      if (Math.abs(mean - prev) < 0.05 * prev) {
        break;
      }
      prev = mean;
    }
    double[] ms = new double[qs.length];
    for (int i = 0; i < qs.length; i++) {
      long t0 = System.nanoTime();
      s.run(qs[i]);
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    Arrays.sort(ms);
    return new double[] {ms[ms.length / 2], ms[Math.min(ms.length - 1, (int) Math.ceil(ms.length * 0.99) - 1)]};
  }

  private static String row(String name, double[] t) {
    return String.format(Locale.ROOT, "| %s | %.3f ms | %.3f ms |", name, t[0], t[1]);
  }

  private static long usedHeap() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long sizeOf(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
