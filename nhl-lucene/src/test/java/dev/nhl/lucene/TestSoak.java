package dev.nhl.lucene;

import dev.nhl.index.Codes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.util.BytesRef;

/**
 * A soak: concurrent near-real-time indexing, updating and deleting, with searches of every kind
 * (exact, the default, radius, filtered) on searchers reopened all the while; every result is
 * checked against a brute-force oracle over the reader it ran on. Each version of a document has
 * its own key ({@code id@n}), and its code and tag follow from {@code n} alone, so the oracle
 * knows the exact code of whatever version a reader holds, and nothing grows with the run but the
 * index (kept between 2,000 and 20,000 live documents).
 *
 * <p>{@code -Dnhl.soak.seconds=S} (default 5, for CI) sets how long it runs; at the end it prints
 * what it did: operations of each kind, searches checked, wrong results (none, or the test fails),
 * throughput and the largest heap it saw.
 */
public class TestSoak extends LuceneTestCase {

  static final String[] TAGS = {"a", "b", "c", "d"};
  // index, update, delete
  static final int ADD = 0;
  static final int UPDATE = 1;
  static final int DELETE = 2;
  // exact, default, radius, filtered
  static final String[] SEARCHES = {"exact", "default", "radius", "filtered"};

  record Version(String id, String key, String tag, byte[] code) {}

  /** Version {@code n} of document {@code id}: its code and tag are a function of {@code n}. */
  static Version version(long seed, byte[][] centres, String id, long n) {
    Random r = new Random(seed * 1_000_003L + n);
    byte[] code = centres[r.nextInt(centres.length)].clone();
    for (int b = 0; b < 128; b++) {
      if (r.nextInt(b < 64 ? 16 : 6) == 0) {
        code[b >>> 3] ^= (byte) (0x80 >>> (b & 7));
      }
    }
    return new Version(id, id + "@" + n, TAGS[r.nextInt(TAGS.length)], code);
  }

  /** The version a key names. */
  static Version version(long seed, byte[][] centres, String key) {
    int at = key.indexOf('@');
    return version(seed, centres, key.substring(0, at), Long.parseLong(key.substring(at + 1)));
  }

  public void testSoak() throws Exception {
    long seconds = Long.getLong("nhl.soak.seconds", 5);
    long seed = random().nextLong();
    Random r0 = new Random(seed);
    byte[][] centres = new byte[16][16];
    for (byte[] c : centres) {
      r0.nextBytes(c);
    }
    AtomicLongArray writes = new AtomicLongArray(3);
    AtomicLongArray searches = new AtomicLongArray(SEARCHES.length);
    AtomicLong reopens = new AtomicLong();
    AtomicLong maxHeap = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    try (Directory dir = new MMapDirectory(createTempDir())) {
      IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig()
          .setCodec(TestNestedHammingQuery.codec(new Random(seed))).setMaxBufferedDocs(500));
      SearcherManager manager = new SearcherManager(writer, null);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      long start = System.nanoTime();
      try {
        List<Future<?>> futures = new ArrayList<>();
        futures.add(pool.submit(() -> {
          Random r = new Random(seed + 1);
          List<String> ids = new ArrayList<>();
          int next = 0;
          long version = 0;
          while (!stop.get()) {
            int addsIn10 = ids.size() < 2000 ? 10 : ids.size() > 20_000 ? 3 : 5;
            int op = r.nextInt(10) < addsIn10 ? ADD : r.nextInt(2) == 0 ? UPDATE : DELETE;
            if (op == DELETE) {
              String id = ids.remove(r.nextInt(ids.size()));
              writer.deleteDocuments(new Term("id", id));
            } else {
              String id = op == ADD ? "d" + next++ : ids.get(r.nextInt(ids.size()));
              Version v = version(seed, centres, id, version++);
              if (op == ADD) {
                ids.add(id);
                writer.addDocument(document(v));
              } else {
                writer.updateDocument(new Term("id", id), document(v));
              }
            }
            writes.incrementAndGet(op);
            if (r.nextInt(5000) == 0) {
              writer.commit();
            }
          }
          return null;
        }));
        futures.add(pool.submit(() -> {
          while (!stop.get()) {
            if (manager.maybeRefresh()) {
              reopens.incrementAndGet();
            }
            Runtime rt = Runtime.getRuntime();
            maxHeap.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
            Thread.sleep(20);
          }
          return null;
        }));
        for (int t = 0; t < 2; t++) {
          long s = seed + 10 + t;
          futures.add(pool.submit(() -> {
            Random r = new Random(s);
            while (!stop.get()) {
              IndexSearcher searcher = manager.acquire();
              try {
                search(r, searcher, seed, centres, searches);
              } finally {
                manager.release(searcher);
              }
            }
            return null;
          }));
        }
        long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
          for (Future<?> f : futures) {
            if (f.isDone()) {
              f.get(); // a failed check ends the soak at once
            }
          }
          Thread.sleep(100);
        }
        stop.set(true);
        for (Future<?> f : futures) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        stop.set(true);
        pool.shutdownNow();
        manager.close();
        writer.close();
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      long w = writes.get(ADD) + writes.get(UPDATE) + writes.get(DELETE);
      long s = 0;
      for (int i = 0; i < SEARCHES.length; i++) {
        s += searches.get(i);
      }
      System.out.printf(Locale.ROOT, "soak (seed %d): %.0f s; writes %,d (adds %,d, updates %,d, deletes %,d; %,.0f a "
              + "second); searches checked %,d (exact %,d, default %,d, radius %,d, filtered %,d; %,.0f a second); "
              + "reopens %,d; wrong results 0; largest heap seen %,d MB%n", seed, elapsed, w, writes.get(ADD),
          writes.get(UPDATE), writes.get(DELETE), w / elapsed, s, searches.get(0), searches.get(1), searches.get(2),
          searches.get(3), s / elapsed, reopens.get(), maxHeap.get() >> 20);
      assertTrue("searches checked: " + s, s >= 20);
    }
  }

  private static Document document(Version v) {
    Document doc = new Document();
    doc.add(new StringField("id", v.id(), Field.Store.NO));
    doc.add(new SortedDocValuesField("idv", new BytesRef(v.key())));
    doc.add(new StringField("tag", v.tag(), Field.Store.NO));
    doc.add(new NestedCodeField("code", v.code(), TestNestedHammingQuery.SPEC));
    return doc;
  }

  /** One random search, checked against the oracle over the same reader. */
  private static void search(Random r, IndexSearcher searcher, long seed, byte[][] centres, AtomicLongArray counts)
      throws Exception {
    IndexReader reader = searcher.getIndexReader();
    byte[] q = centres[r.nextInt(centres.length)].clone();
    for (int i = 0; i < 3; i++) {
      q[r.nextInt(16)] ^= (byte) (1 << r.nextInt(8));
    }
    int kind = r.nextInt(SEARCHES.length);
    Map<Integer, String> keys = TestNestedHammingQuery.ids(reader);
    if (kind == 2) {
      int bits = 16 << r.nextInt(4);
      int radius = r.nextInt(bits / 4 + 1);
      List<Integer> expected = new ArrayList<>();
      for (Map.Entry<Integer, String> e : keys.entrySet()) {
        if (Codes.hamming(version(seed, centres, e.getValue()).code(), q, bits) <= radius) {
          expected.add(e.getKey());
        }
      }
      expected.sort(Integer::compare);
      List<Integer> got = new ArrayList<>();
      for (ScoreDoc sd : searcher.search(new NestedHammingRadiusQuery("code", q, bits, radius),
          Math.max(1, reader.maxDoc())).scoreDocs) {
        got.add(sd.doc);
      }
      got.sort(Integer::compare);
      assertEquals("radius " + radius + " at " + bits + " bits", expected, got);
    } else {
      int k = 1 + r.nextInt(30);
      String tag = kind == 3 ? TAGS[r.nextInt(TAGS.length)] : null;
      List<int[]> expected = new ArrayList<>();
      for (Map.Entry<Integer, String> e : keys.entrySet()) {
        Version v = version(seed, centres, e.getValue());
        if (tag == null || tag.equals(v.tag())) {
          expected.add(new int[] {e.getKey(), Codes.hamming(v.code(), q, 128)});
        }
      }
      expected.sort(Comparator.<int[]>comparingInt(a -> a[1]).thenComparingInt(a -> a[0]));
      expected = expected.subList(0, Math.min(k, expected.size()));
      NestedHammingQuery query = kind == 1 ? NestedHammingQuery.defaults("code", q, k)
          : NestedHammingQuery.exact("code", q, k);
      if (tag != null) {
        query = query.withFilter(new TermQuery(new Term("tag", tag)));
      }
      TestNestedHammingQuery.assertSameHits(SEARCHES[kind], expected, TestNestedHammingQuery.hits(searcher, query, k));
    }
    counts.incrementAndGet(kind);
  }
}
