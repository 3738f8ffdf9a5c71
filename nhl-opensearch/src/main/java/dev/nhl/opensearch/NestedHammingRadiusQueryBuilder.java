package dev.nhl.opensearch;

import dev.nhl.index.Codes;
import dev.nhl.lucene.NestedHammingRadiusQuery;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryShardContext;

/**
 * The {@value #NAME} query: every document whose code in a {@code nested_code} field lies within
 * {@code radius} bits of a query code, at one of the field's lengths. A constant-score match, for
 * filter context (a {@code bool} query's {@code filter}, or the {@code filter} of {@code
 * nested_hamming}); exact, on every shard.
 *
 * <pre>{@code
 * { "nested_hamming_radius": { "field": "code", "code": "9f3a", "length": 16, "radius": 2 } }
 * }</pre>
 */
public final class NestedHammingRadiusQueryBuilder extends AbstractQueryBuilder<NestedHammingRadiusQueryBuilder> {

  /** The query's name in JSON. */
  public static final String NAME = "nested_hamming_radius";

  private final String field;
  private final byte[] code;
  private final int radius;
  private final OptionalInt length;

  /**
   * Documents within {@code radius} of {@code code} at the code's own length.
   *
   * @throws IllegalArgumentException if the field or code is null or empty, or the radius is
   *     outside {@code [0, code bits]}
   */
  public NestedHammingRadiusQueryBuilder(String field, byte[] code, int radius) {
    this(field, code, radius, OptionalInt.empty());
  }

  private NestedHammingRadiusQueryBuilder(String field, byte[] code, int radius, OptionalInt length) {
    if (field == null || field.isEmpty()) {
      throw new IllegalArgumentException("[" + NAME + "] needs a [field]");
    }
    if (code == null || code.length == 0) {
      throw new IllegalArgumentException("[" + NAME + "] needs a [code]");
    }
    int bits = length.orElse(code.length * 8);
    if (bits <= 0 || bits % 8 != 0 || bits > code.length * 8) {
      throw new IllegalArgumentException("[" + NAME + "] [length] must be a positive multiple of 8 of at most the code's "
          + code.length * 8 + " bits, got " + bits);
    }
    if (radius < 0 || radius > bits) {
      throw new IllegalArgumentException("[" + NAME + "] [radius] must be in [0, " + bits + "] at " + bits + " bits, got " + radius);
    }
    this.field = field;
    this.code = code.clone();
    this.radius = radius;
    this.length = length;
  }

  /** The same query at {@code bits}, one of the field's lengths. */
  public NestedHammingRadiusQueryBuilder length(int bits) {
    return new NestedHammingRadiusQueryBuilder(field, code, radius, OptionalInt.of(bits));
  }

  /** Reads a query sent by another node. */
  public NestedHammingRadiusQueryBuilder(StreamInput in) throws IOException {
    super(in);
    field = in.readString();
    code = in.readByteArray();
    radius = in.readVInt();
    Integer l = in.readOptionalVInt();
    length = l == null ? OptionalInt.empty() : OptionalInt.of(l);
  }

  @Override
  protected void doWriteTo(StreamOutput out) throws IOException {
    out.writeString(field);
    out.writeByteArray(code);
    out.writeVInt(radius);
    out.writeOptionalVInt(length.isPresent() ? length.getAsInt() : null);
  }

  @Override
  public String getWriteableName() {
    return NAME;
  }

  @Override
  protected void doXContent(XContentBuilder builder, Params params) throws IOException {
    builder.startObject(NAME);
    builder.field("field", field);
    builder.field("code", Codes.toHex(code));
    builder.field("radius", radius);
    if (length.isPresent()) {
      builder.field("length", length.getAsInt());
    }
    printBoostAndQueryName(builder);
    builder.endObject();
  }

  /** Parses the query from JSON; every error is a {@link ParsingException} (HTTP 400). */
  public static NestedHammingRadiusQueryBuilder fromXContent(XContentParser parser) throws IOException {
    var f = new Object() {
      String field;
      byte[] code;
      Integer radius;
      OptionalInt length = OptionalInt.empty();
      float boost = DEFAULT_BOOST;
      String queryName;
    };
    CodeValues.readObject(parser, NAME, "field, code, radius, length, boost and _name", Map.of(
        "field", p -> f.field = CodeValues.text(p, NAME, "field"),
        "code", p -> f.code = CodeValues.parse(p, "[" + NAME + "] [code]"),
        "radius", p -> f.radius = p.intValue(),
        "length", p -> f.length = OptionalInt.of(p.intValue()),
        "boost", p -> f.boost = p.floatValue(),
        "_name", p -> f.queryName = CodeValues.text(p, NAME, "_name")));
    if (f.field == null || f.code == null || f.radius == null) {
      throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] needs [field], [code] and [radius]; missing "
          + (f.field == null ? "[field]" : f.code == null ? "[code]" : "[radius]"));
    }
    try {
      NestedHammingRadiusQueryBuilder b = new NestedHammingRadiusQueryBuilder(f.field, f.code, f.radius, f.length);
      b.boost(f.boost);
      b.queryName(f.queryName);
      return b;
    } catch (IllegalArgumentException e) {
      throw new ParsingException(parser.getTokenLocation(), e.getMessage(), e);
    }
  }

  @Override
  protected Query doToQuery(QueryShardContext context) {
    int bits = length.orElse(code.length * 8);
    byte[] query = NestedHammingQueryBuilder.searchedCode(context, field, code, bits, NAME);
    if (query == null) {
      return new MatchNoDocsQuery("no field [" + field + "] in this index");
    }
    return new NestedHammingRadiusQuery(field, query, bits, radius);
  }

  @Override
  protected boolean doEquals(NestedHammingRadiusQueryBuilder o) {
    return field.equals(o.field) && Arrays.equals(code, o.code) && radius == o.radius && length.equals(o.length);
  }

  @Override
  protected int doHashCode() {
    return Objects.hash(field, Arrays.hashCode(code), radius, length);
  }
}
