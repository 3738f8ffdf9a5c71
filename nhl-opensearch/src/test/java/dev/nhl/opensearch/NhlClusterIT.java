package dev.nhl.opensearch;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import dev.nhl.lucene.NestedHammingQuery;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SegmentReader;
import org.opensearch.ExceptionsHelper;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.bulk.BulkResponse;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.WriteRequest;
import org.opensearch.common.lucene.Lucene;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.index.IndexService;
import org.opensearch.index.engine.Engine;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.index.shard.IndexShard;
import org.opensearch.indices.IndicesService;
import org.opensearch.plugins.Plugin;
import org.opensearch.search.SearchHit;
import org.opensearch.test.InternalTestCluster;
import org.opensearch.test.OpenSearchIntegTestCase;

/**
 * The plugin on a cluster of three data nodes (each also cluster-manager-eligible): three shards
 * with one replica each, thousands of random clustered codes, every search checked against a
 * brute-force global top k over the codes the test indexed.
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.SUITE, numDataNodes = 3, numClientNodes = 0,
    supportsDedicatedMasters = false)
public class NhlClusterIT extends OpenSearchIntegTestCase {

  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64);
  static final String INDEX = "photos";
  static final int GROUPS = 5;

  @Override
  protected Collection<Class<? extends Plugin>> nodePlugins() {
    return List.of(NhlPlugin.class);
  }

  // the framework's mock search service (added on some seeds) drops plugins' profile metrics
  @Override
  protected Collection<Class<? extends Plugin>> getMockPlugins() {
    return super.getMockPlugins().stream().filter(p -> p != org.opensearch.search.MockSearchService.TestPlugin.class).toList();
  }

  /** The codes the index should hold, by document id. */
  private final Map<String, byte[]> codes = new HashMap<>();

  private void createCodeIndex() {
    client().admin().indices().prepareCreate(INDEX)
        .setSettings(Settings.builder()
            .put("index.number_of_shards", 3)
            .put("index.number_of_replicas", 1)
            .put("index.codec", NhlPlugin.CODEC))
        .setMapping("""
            { "properties": {
                "code": { "type": "nested_code", "lengths": [16, 32, 64] },
                "group": { "type": "integer" } } }""")
        .get();
    ensureGreen(INDEX);
  }

  /** Clustered codes: 40 centres, each bit flipped with probability 0.1; some exact duplicates. */
  private static byte[] randomCode(Random r, byte[][] centres) {
    byte[] c = centres[r.nextInt(centres.length)].clone();
    for (int b = 0; b < SPEC.maxBits(); b++) {
      if (r.nextDouble() < 0.1) {
        c[b >>> 3] ^= (byte) (0x80 >>> (b & 7));
      }
    }
    return c;
  }

  private static int group(String id) {
    return Integer.parseInt(id) % GROUPS;
  }

  private void index(Random r, byte[][] centres, int from, int to) {
    BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
    for (int i = from; i < to; i++) {
      String id = Integer.toString(i);
      byte[] code = randomCode(r, centres);
      codes.put(id, code);
      // half the documents give the code as hex, half as signs
      String value = r.nextBoolean() ? "\"" + Codes.toHex(code) + "\"" : signs(code);
      bulk.add(client().prepareIndex(INDEX).setId(id)
          .setSource("{\"code\": " + value + ", \"group\": " + group(id) + "}", XContentType.JSON));
    }
    BulkResponse response = bulk.get();
    assertFalse(response.buildFailureMessage(), response.hasFailures());
  }

  private static String signs(byte[] code) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < code.length * 8; i++) {
      sb.append(i == 0 ? "" : ",").append(Codes.bit(code, i) ? "0.7" : "-0.3");
    }
    return sb.append(']').toString();
  }

  /** (id, distance) of every indexed code at {@code bits} accepted by the group filter, nearest first. */
  private List<Map.Entry<String, Integer>> bruteForce(byte[] query, int bits, Integer onlyGroup) {
    List<Map.Entry<String, Integer>> all = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : codes.entrySet()) {
      if (onlyGroup == null || group(e.getKey()) == onlyGroup) {
        all.add(Map.entry(e.getKey(), Codes.hamming(e.getValue(), query, bits)));
      }
    }
    all.sort(Map.Entry.comparingByValue());
    return all;
  }

  /**
   * The hits are an exact top k at {@code bits}: their distances are the brute force's first k,
   * each hit's score is its own code's distance, and no hit repeats.
   */
  private void assertExactTopK(SearchResponse response, byte[] query, int bits, int k, Integer onlyGroup) {
    List<Map.Entry<String, Integer>> expected = bruteForce(query, bits, onlyGroup);
    SearchHit[] hits = response.getHits().getHits();
    assertEquals("hits", Math.min(k, expected.size()), hits.length);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < hits.length; i++) {
      String id = hits[i].getId();
      assertTrue("hit " + id + " repeats", seen.add(id));
      int distance = Codes.hamming(codes.get(id), query, bits);
      assertEquals("score of " + id, NestedHammingQuery.score(distance), hits[i].getScore(), 0f);
      assertEquals("distance of hit " + i, (int) expected.get(i).getValue(), distance);
      if (onlyGroup != null) {
        assertEquals("group of " + id, (int) onlyGroup, group(id));
      }
    }
  }

  private SearchResponse search(QueryBuilder query, int size) {
    return client().prepareSearch(INDEX).setQuery(query).setSize(size).get();
  }

  public void testExactProgressiveProbeFiltersAndRadiusAcrossShards() throws Exception {
    createCodeIndex();
    Random r = random();
    byte[][] centres = new byte[40][SPEC.maxBytes()];
    for (byte[] c : centres) {
      r.nextBytes(c);
    }
    int n = 3000;
    index(r, centres, 0, n);
    assertEquals(n, client().prepareSearch(INDEX).setSize(0).get().getHits().getTotalHits().value());

    for (int q = 0; q < 12; q++) {
      byte[] query = randomCode(r, centres);
      int k = 1 + r.nextInt(20);
      assertExactTopK(search(new NestedHammingQueryBuilder("code", query, k).exact(), k), query, 64, k, null);
      assertExactTopK(search(new NestedHammingQueryBuilder("code", query, k), k), query, 64, k, null);
      // a prefix, the same query given as JSON (parsed on each shard)
      int bits = r.nextBoolean() ? 16 : 32;
      String json = String.format(Locale.ROOT,
          "{\"nested_hamming\": {\"field\": \"code\", \"code\": \"%s\", \"k\": %d, \"length\": %d}}", Codes.toHex(query), k, bits);
      assertExactTopK(search(QueryBuilders.wrapperQuery(json), k), query, bits, k, null);
      // a probe that may rank every code is exact too
      assertExactTopK(search(new NestedHammingQueryBuilder("code", query, k).probe(1_000_000), k), query, 64, k, null);
      // and at a length shorter than the field's, the query cut to it where the query is built
      assertExactTopK(search(new NestedHammingQueryBuilder("code", query, k).probe(1_000_000).length(32), k), query, 32,
          k, null);
      // filtered
      int g = r.nextInt(GROUPS);
      assertExactTopK(search(new NestedHammingQueryBuilder("code", query, k).filter(QueryBuilders.termQuery("group", g)), k),
          query, 64, k, g);
      // radius, in filter context
      int radius = r.nextInt(12);
      SearchResponse within = search(QueryBuilders.boolQuery()
          .filter(new NestedHammingRadiusQueryBuilder("code", query, radius).length(32)), n);
      Set<String> ids = new HashSet<>();
      for (SearchHit h : within.getHits().getHits()) {
        ids.add(h.getId());
      }
      Set<String> expected = new HashSet<>();
      for (Map.Entry<String, Integer> e : bruteForce(query, 32, null)) {
        if (e.getValue() <= radius) {
          expected.add(e.getKey());
        }
      }
      assertEquals("within " + radius + " at 32 bits", expected, ids);
    }
    // the profile API times the query like any other: its search runs in the rewrite
    byte[] query = randomCode(r, centres);
    SearchResponse profiled = client().prepareSearch(INDEX).setProfile(true).setSize(10)
        .setQuery(new NestedHammingQueryBuilder("code", query, 10)).get();
    assertExactTopK(profiled, query, 64, 10, null);
    assertEquals(3, profiled.getProfileResults().size());
    profiled.getProfileResults().values().forEach(shard -> {
      var result = shard.getQueryProfileResults().getFirst();
      assertTrue(shard.toString(), result.getRewriteTime() > 0);
      // the shard's nhl search, stage by stage: at least the k codes it returned were ranked
      Map<String, Long> breakdown = result.getQueryResults().getFirst().getTimeBreakdown();
      assertTrue(breakdown.toString(), breakdown.getOrDefault("nhl_64_candidates", 0L) >= 10);
      assertTrue(breakdown.toString(), breakdown.containsKey("nhl_64_time_in_nanos"));
    });
    assertEverySegmentUsesNhl();
  }

  /**
   * A search with a timeout and a cancellable one, with low-level cancellation on: OpenSearch then
   * searches through its exitable reader, which checks the time and the task as documents are
   * visited. The hits stay exact, and no segment's codes are copied. (Today OpenSearch's exitable
   * leaves hand the codec's binary doc values through unchanged; readers that wrap them are
   * unwrapped by nhl-lucene, tested in {@code TestNestedHammingQuery}.)
   */
  public void testTimeoutAndCancellationKeepTheColumns() throws Exception {
    createCodeIndex();
    Random r = random();
    byte[][] centres = new byte[40][SPEC.maxBytes()];
    for (byte[] c : centres) {
      r.nextBytes(c);
    }
    // several bulks: several segments a shard
    for (int from = 0; from < 2000; from += 500) {
      index(r, centres, from, from + 500);
    }
    client().admin().cluster().prepareUpdateSettings()
        .setTransientSettings(Settings.builder().put("search.low_level_cancellation", true)).get();
    long copiedBefore = NestedHammingQuery.segmentsCopied();
    try {
      searchWithTimeoutAndCancellation(r, centres);
    } finally {
      client().admin().cluster().prepareUpdateSettings()
          .setTransientSettings(Settings.builder().putNull("search.low_level_cancellation")).get();
    }
    assertEquals("segments searched through a copy of their codes", copiedBefore, NestedHammingQuery.segmentsCopied());
  }

  private void searchWithTimeoutAndCancellation(Random r, byte[][] centres) {
    for (int q = 0; q < 8; q++) {
      byte[] query = randomCode(r, centres);
      int k = 1 + r.nextInt(20);
      NestedHammingQueryBuilder b = new NestedHammingQueryBuilder("code", query, k);
      SearchResponse timed = client().prepareSearch(INDEX).setQuery(b).setSize(k)
          .setTimeout(org.opensearch.common.unit.TimeValue.timeValueSeconds(30)).get();
      assertFalse("timed out", timed.isTimedOut());
      assertExactTopK(timed, query, 64, k, null);
      SearchResponse cancellable = client().prepareSearch(INDEX).setQuery(b.exact()).setSize(k)
          .setCancelAfterTimeInterval(org.opensearch.common.unit.TimeValue.timeValueSeconds(30)).get();
      assertExactTopK(cancellable, query, 64, k, null);
    }
  }

  public void testWithoutTheCodecTheQueriesAreStillExact() throws Exception {
    client().admin().indices().prepareCreate(INDEX)
        .setSettings(Settings.builder().put("index.number_of_shards", 2).put("index.number_of_replicas", 0))
        .setMapping("{\"properties\": {\"code\": {\"type\": \"nested_code\", \"lengths\": [16, 32, 64]}}}")
        .get();
    ensureGreen(INDEX);
    Random r = random();
    byte[][] centres = new byte[10][SPEC.maxBytes()];
    for (byte[] c : centres) {
      r.nextBytes(c);
    }
    index(r, centres, 0, 600);
    for (int q = 0; q < 5; q++) {
      byte[] query = randomCode(r, centres);
      assertExactTopK(search(new NestedHammingQueryBuilder("code", query, 7), 7), query, 64, 7, null);
      assertExactTopK(search(new NestedHammingQueryBuilder("code", query, 7).length(16), 7), query, 16, 7, null);
      assertExactTopK(search(new NestedHammingQueryBuilder("code", query, 7).probe(1_000_000).length(16), 7), query, 16,
          7, null);
    }
  }

  public void testDeletesAndUpdatesAreSeenAfterRefresh() throws Exception {
    createCodeIndex();
    Random r = random();
    byte[][] centres = new byte[20][SPEC.maxBytes()];
    for (byte[] c : centres) {
      r.nextBytes(c);
    }
    index(r, centres, 0, 2000);
    byte[] query = randomCode(r, centres);
    // delete the current nearest ten and some others, move others next to the query
    List<String> nearest = bruteForce(query, 64, null).subList(0, 10).stream().map(Map.Entry::getKey).toList();
    BulkRequestBuilder bulk = client().prepareBulk();
    for (String id : nearest) {
      bulk.add(client().prepareDelete(INDEX, id));
      codes.remove(id);
    }
    for (int i = 0; i < 100; i++) {
      String id = Integer.toString(10 + r.nextInt(1990));
      if (codes.containsKey(id) && r.nextBoolean()) {
        bulk.add(client().prepareDelete(INDEX, id));
        codes.remove(id);
      } else {
        byte[] moved = query.clone();
        moved[r.nextInt(moved.length)] ^= (byte) (1 << r.nextInt(8));
        codes.put(id, moved);
        bulk.add(client().prepareIndex(INDEX).setId(id)
            .setSource("{\"code\": \"" + Codes.toHex(moved) + "\", \"group\": " + group(id) + "}", XContentType.JSON));
      }
    }
    assertFalse(bulk.get().hasFailures());
    refresh(INDEX);
    for (int k : new int[] {1, 10, 50}) {
      assertExactTopK(search(new NestedHammingQueryBuilder("code", query, k).exact(), k), query, 64, k, null);
    }
    // merges rewrite the segments with the deletes applied: still exact, still nhl's codec
    client().admin().indices().prepareForceMerge(INDEX).setMaxNumSegments(1).get();
    refresh(INDEX);
    assertExactTopK(search(new NestedHammingQueryBuilder("code", query, 30), 30), query, 64, 30, null);
    assertEverySegmentUsesNhl();
  }

  public void testReplicasAnswerWhileANodeIsDownAndAfterItRejoins() throws Exception {
    createCodeIndex();
    Random r = random();
    byte[][] centres = new byte[30][SPEC.maxBytes()];
    for (byte[] c : centres) {
      r.nextBytes(c);
    }
    index(r, centres, 0, 2500);
    byte[][] queries = new byte[5][];
    Map<Integer, SearchResponse> before = new TreeMap<>();
    for (int q = 0; q < queries.length; q++) {
      queries[q] = randomCode(r, centres);
      before.put(q, search(new NestedHammingQueryBuilder("code", queries[q], 10).exact(), 10));
      assertExactTopK(before.get(q), queries[q], 64, 10, null);
    }
    internalCluster().restartRandomDataNode(new InternalTestCluster.RestartCallback() {
      @Override
      public Settings onNodeStopped(String nodeName) throws Exception {
        ensureYellow(INDEX);
        for (int q = 0; q < queries.length; q++) {
          SearchResponse during = search(new NestedHammingQueryBuilder("code", queries[q], 10).exact(), 10);
          assertEquals("every shard answered with " + nodeName + " down", 0, during.getFailedShards());
          assertExactTopK(during, queries[q], 64, 10, null);
        }
        return Settings.EMPTY;
      }
    });
    ensureGreen(INDEX);
    for (int q = 0; q < queries.length; q++) {
      SearchResponse after = search(new NestedHammingQueryBuilder("code", queries[q], 10).exact(), 10);
      assertExactTopK(after, queries[q], 64, 10, null);
      assertEquals(distances(before.get(q)), distances(after));
    }
    assertEverySegmentUsesNhl();
  }

  private static List<Integer> distances(SearchResponse response) {
    List<Integer> d = new ArrayList<>();
    for (SearchHit h : response.getHits().getHits()) {
      d.add(NestedHammingQuery.distance(h.getScore()));
    }
    return d;
  }

  /** Every segment of every shard copy on every node was written by nhl's codec, the codes by nhl's format. */
  private void assertEverySegmentUsesNhl() throws Exception {
    int copies = 0;
    int segments = 0;
    for (IndicesService indices : internalCluster().getInstances(IndicesService.class)) {
      for (IndexService index : indices) {
        for (IndexShard shard : index) {
          copies++;
          try (Engine.Searcher searcher = shard.acquireSearcher("nhl-test")) {
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
              SegmentReader segment = Lucene.segmentReader(leaf.reader());
              assertEquals(shard.shardId() + " " + segment, NhlOpenSearchCodec.NAME, segment.getSegmentInfo().info.getCodec().getName());
              FieldInfo code = segment.getFieldInfos().fieldInfo("code");
              if (code != null) {
                assertEquals("NhlDocValues1", code.getAttribute("PerFieldDocValuesFormat.format"));
              }
              segments++;
            }
          }
        }
      }
    }
    assertEquals("shard copies", 6, copies);
    assertTrue("segments", segments > 0);
  }

  public void testBadMappingsDocumentsAndQueriesAreClientErrors() throws Exception {
    for (String mapping : new String[] {
        "{\"properties\": {\"code\": {\"type\": \"nested_code\"}}}",
        "{\"properties\": {\"code\": {\"type\": \"nested_code\", \"lengths\": [12, 32]}}}",
        "{\"properties\": {\"code\": {\"type\": \"nested_code\", \"lengths\": [64, 32]}}}",
        "{\"properties\": {\"code\": {\"type\": \"nested_code\", \"lengths\": \"64\"}}}"}) {
      Exception e = expectThrows(Exception.class,
          () -> client().admin().indices().prepareCreate("bad").setMapping(mapping).get());
      assertEquals(mapping + ": " + e, RestStatus.BAD_REQUEST, ExceptionsHelper.status(e));
      assertTrue(mapping + ": " + e.getMessage(), ExceptionsHelper.unwrapCause(e).getMessage().contains("lengths"));
    }
    createCodeIndex();
    for (String source : new String[] {
        "{\"code\": \"abcd\"}", // 16 bits for a 64-bit field
        "{\"code\": \"zz00112233445566\"}",
        "{\"code\": [1, 2, \"x\"]}",
        "{\"code\": {\"a\": 1}}",
        "{\"code\": [\"0011223344556677\", \"8899aabbccddeeff\"]}"}) { // one code a document
      Exception e = expectThrows(Exception.class,
          () -> client().prepareIndex(INDEX).setId("x").setSource(source, XContentType.JSON).get());
      assertEquals(source + ": " + e, RestStatus.BAD_REQUEST, ExceptionsHelper.status(e));
    }
    // lengths are fixed once the field exists
    Exception changed = expectThrows(Exception.class, () -> client().admin().indices().preparePutMapping(INDEX)
        .setSource("{\"properties\": {\"code\": {\"type\": \"nested_code\", \"lengths\": [16, 64]}}}", XContentType.JSON).get());
    assertEquals(changed.toString(), RestStatus.BAD_REQUEST, ExceptionsHelper.status(changed));
    assertTrue(changed.getMessage(), ExceptionsHelper.unwrapCause(changed).getMessage().contains("lengths"));
    for (String query : new String[] {
        "{\"nested_hamming\": {\"field\": \"code\", \"k\": 10}}",
        "{\"nested_hamming\": {\"field\": \"code\", \"code\": \"00112233445566ff\", \"k\": 0}}",
        "{\"nested_hamming\": {\"field\": \"code\", \"code\": \"00112233445566ff\", \"k\": 5, \"mode\": \"fast\"}}",
        "{\"nested_hamming\": {\"field\": \"code\", \"code\": \"00112233445566ff\", \"k\": 5, \"mode\": \"probe\"}}",
        "{\"nested_hamming\": {\"field\": \"code\", \"code\": \"00112233445566ff\", \"k\": 5, \"colour\": 1}}",
        "{\"nested_hamming\": {\"field\": \"code\", \"code\": \"00112233445566ff\", \"k\": 5, \"length\": 24}}",
        "{\"nested_hamming\": {\"field\": \"group\", \"code\": \"00112233445566ff\", \"k\": 5}}",
        "{\"nested_hamming_radius\": {\"field\": \"code\", \"code\": \"0011\", \"radius\": 40}}"}) {
      Exception e = expectThrows(Exception.class, () -> client().prepareSearch(INDEX).setSource(
          new org.opensearch.search.builder.SearchSourceBuilder().query(QueryBuilders.wrapperQuery(query))).get());
      assertEquals(query + ": " + e, RestStatus.BAD_REQUEST, ExceptionsHelper.status(e));
      assertTrue(query + ": " + e, ExceptionsHelper.unwrapCause(e).toString().contains("nested_hamming"));
    }
  }
}
