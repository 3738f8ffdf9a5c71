package dev.nhl.opensearch;

import dev.nhl.index.Codes;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.NamedWriteableAwareStreamInput;
import org.opensearch.core.common.io.stream.NamedWriteableRegistry;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.SearchModule;
import org.opensearch.test.OpenSearchTestCase;

/**
 * Both query builders survive the wire format nodes exchange and their own JSON with every
 * option set or left out, and the JSON of a float-array code equals the hex one.
 */
public class QueryBuilderRoundTripTest extends OpenSearchTestCase {

  private static final SearchModule SEARCH = new SearchModule(Settings.EMPTY, List.of(new NhlPlugin()));
  private static final NamedWriteableRegistry WRITEABLES = new NamedWriteableRegistry(SEARCH.getNamedWriteables());
  private static final NamedXContentRegistry XCONTENT = new NamedXContentRegistry(SEARCH.getNamedXContents());

  private static QueryBuilder wire(QueryBuilder q) throws IOException {
    try (BytesStreamOutput out = new BytesStreamOutput()) {
      out.writeNamedWriteable(q);
      try (StreamInput in = new NamedWriteableAwareStreamInput(out.bytes().streamInput(), WRITEABLES)) {
        return in.readNamedWriteable(QueryBuilder.class);
      }
    }
  }

  private static QueryBuilder json(String text) throws IOException {
    try (XContentParser p = JsonXContent.jsonXContent.createParser(XCONTENT, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, text)) {
      return AbstractQueryBuilder.parseInnerQueryBuilder(p);
    }
  }

  private static String json(QueryBuilder q) throws IOException {
    XContentBuilder b = JsonXContent.contentBuilder();
    q.toXContent(b, ToXContent.EMPTY_PARAMS);
    return b.toString();
  }

  private static byte[] code(Random r, int bytes) {
    byte[] c = new byte[bytes];
    r.nextBytes(c);
    return c;
  }

  public void testNestedHammingRoundTrips() throws IOException {
    Random r = random();
    for (int i = 0; i < 50; i++) {
      byte[] code = code(r, 8 * (1 + r.nextInt(4)));
      NestedHammingQueryBuilder q = new NestedHammingQueryBuilder("code", code, 1 + r.nextInt(100));
      switch (r.nextInt(3)) {
        case 0 -> q = q.exact();
        case 1 -> q = q.probe(1 + r.nextInt(100_000));
        default -> { }
      }
      if (r.nextBoolean()) {
        q = q.length(8 * (1 + r.nextInt(code.length)));
      }
      if (r.nextBoolean()) {
        q = q.filter(QueryBuilders.termQuery("album", "a" + r.nextInt(5)));
      }
      if (r.nextBoolean()) {
        q.boost(0.5f + r.nextInt(4));
        q.queryName("q" + i);
      }
      assertEquals(q, wire(q));
      assertEquals(q.hashCode(), wire(q).hashCode());
      assertEquals(json(q), q, json(json(q)));
    }
  }

  /**
   * The modes are nhl's ({@code SearchOptions.Mode}): {@code default} is written, {@code
   * progressive} (the default's earlier name) still reads, and the wire carries the same ordinals
   * as before (0 the default, 1 exact, 2 probe), so nodes of both builds understand each other.
   */
  public void testModeNamesAndWireOrdinals() throws IOException {
    NestedHammingQueryBuilder byDefault = new NestedHammingQueryBuilder("code", new byte[8], 3);
    assertTrue(json(byDefault), json(byDefault).contains("\"mode\":\"default\""));
    assertEquals(byDefault, json("{\"nested_hamming\": {\"field\": \"code\", \"code\": \"0000000000000000\", \"k\": 3, "
        + "\"mode\": \"progressive\"}}"));
    assertEquals(byDefault, json("{\"nested_hamming\": {\"field\": \"code\", \"code\": \"0000000000000000\", \"k\": 3, "
        + "\"mode\": \"default\"}}"));
    NestedHammingQueryBuilder[] queries = {byDefault, byDefault.exact(), byDefault.probe(10)};
    for (int ordinal = 0; ordinal < queries.length; ordinal++) {
      try (BytesStreamOutput out = new BytesStreamOutput()) {
        queries[ordinal].doWriteTo(out);
        StreamInput in = out.bytes().streamInput();
        in.readString();
        in.readByteArray();
        in.readVInt();
        assertEquals(ordinal, in.readVInt());
      }
    }
  }

  public void testRadiusRoundTrips() throws IOException {
    Random r = random();
    for (int i = 0; i < 30; i++) {
      byte[] code = code(r, 8 * (1 + r.nextInt(4)));
      int bits = r.nextBoolean() ? code.length * 8 : 8 * (1 + r.nextInt(code.length));
      NestedHammingRadiusQueryBuilder q = new NestedHammingRadiusQueryBuilder("code", code, r.nextInt(bits + 1));
      if (bits != code.length * 8) {
        q = q.length(bits);
      }
      assertEquals(q, wire(q));
      assertEquals(json(q), q, json(json(q)));
    }
  }

  public void testFloatArrayAndHexCodesAreTheSameQuery() throws IOException {
    byte[] code = code(random(), 8);
    StringBuilder signs = new StringBuilder("[");
    for (int i = 0; i < 64; i++) {
      signs.append(i == 0 ? "" : ",").append(Codes.bit(code, i) ? "0.25" : "-1.5");
    }
    signs.append(']');
    QueryBuilder fromSigns = json("{\"nested_hamming\": {\"field\": \"code\", \"code\": " + signs + ", \"k\": 3}}");
    QueryBuilder fromHex = json("{\"nested_hamming\": {\"field\": \"code\", \"code\": \"" + Codes.toHex(code) + "\", \"k\": 3}}");
    assertEquals(fromHex, fromSigns);
    assertEquals(new NestedHammingQueryBuilder("code", code, 3), fromHex);
  }

  public void testBadJsonNamesWhatIsWrong() {
    String[][] cases = {
        {"{\"nested_hamming\": {\"field\": \"code\", \"code\": \"00ff\", \"k\": 3, \"mode\": \"probe\"}}", "candidates"},
        {"{\"nested_hamming\": {\"field\": \"code\", \"code\": \"00ff\", \"k\": 3, \"candidates\": 5}}", "candidates"},
        {"{\"nested_hamming\": {\"field\": \"code\", \"code\": \"00ff\", \"k\": 3, \"mode\": \"plan\"}}", "default, exact or probe"},
        {"{\"nested_hamming\": {\"field\": \"code\", \"code\": \"00ff\", \"k\": 3, \"length\": 24}}", "length"},
        {"{\"nested_hamming\": {\"field\": \"code\", \"code\": \"0g\", \"k\": 3}}", "hex"},
        {"{\"nested_hamming\": {\"field\": \"code\", \"code\": [1, -1, 1], \"k\": 3}}", "multiple of 8"},
        {"{\"nested_hamming\": {\"field\": \"code\", \"code\": \"00ff\"}}", "[k]"},
        {"{\"nested_hamming\": {\"field\": 7, \"code\": \"00ff\", \"k\": 1}}", "[field]"},
        {"{\"nested_hamming_radius\": {\"field\": \"code\", \"code\": \"00ff\", \"radius\": -1}}", "radius"},
        {"{\"nested_hamming_radius\": {\"field\": \"code\", \"code\": \"00ff\", \"radius\": 1, \"k\": 2}}", "[k]"}};
    for (String[] c : cases) {
      ParsingException e = expectThrows(ParsingException.class, () -> json(c[0]));
      assertTrue(c[0] + " -> " + e.getMessage(), e.getMessage().contains(c[1]));
    }
  }
}
