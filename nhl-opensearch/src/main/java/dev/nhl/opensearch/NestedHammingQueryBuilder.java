package dev.nhl.opensearch;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import dev.nhl.index.SearchOptions;
import dev.nhl.lucene.NestedHammingQuery;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;

/**
 * The {@value #NAME} query: the {@code k} documents of each shard whose code in a {@code
 * nested_code} field is nearest to a query code in Hamming distance, scored {@code 1 / (1 +
 * distance)}.
 *
 * <pre>{@code
 * { "nested_hamming": { "field": "code", "code": "9f3a...", "k": 10,
 *                       "mode": "exact", "length": 64, "filter": { "term": { "album": "2024" } } } }
 * }</pre>
 *
 * <ul>
 *   <li>{@code code}: hex, or an array of numbers whose signs are the bits; at least {@code
 *       length} bits long;
 *   <li>{@code k}: hits per shard (see below);
 *   <li>{@code mode}, nhl's modes ({@code SearchOptions.Mode}): {@code default} (exact results;
 *       {@code progressive} is read as {@code default}), {@code exact}, or {@code probe} with
 *       {@code candidates}, the number of codes each segment's multi-index tables rank before
 *       they stop (approximate);
 *   <li>{@code length}: one of the field's lengths (default: the query code's length);
 *   <li>{@code filter}: any query; only its documents are searched (the k nearest of them).
 * </ul>
 *
 * <p><b>k is per shard.</b> Each shard returns its own k nearest documents, and the coordinating
 * node merges the shards' hits by score and keeps the request's {@code size} best. With {@code
 * exact} or {@code default} and {@code size <= k}, the merged hits are the exact global top
 * {@code size}: every document of the global top is among its own shard's top k. Documents at
 * the same distance tie on score; which of them fill the last places follows OpenSearch's
 * merge order (shard, then document).
 */
public final class NestedHammingQueryBuilder extends AbstractQueryBuilder<NestedHammingQueryBuilder> {

  /** The query's name in JSON. */
  public static final String NAME = "nested_hamming";

  /** The largest k: OpenSearch's default result window. */
  public static final int MAX_K = 10_000;

  /**
   * How the search runs.
   *
   * @deprecated the query runs in {@link SearchOptions.Mode}, nhl's one vocabulary of modes
   *     (this enum's PROGRESSIVE is its DEFAULT); this one is no longer used.
   */
  @Deprecated(since = "0.2")
  public enum Mode {
    /** Exact results, as nhl's default search decides (tables or scan). */
    PROGRESSIVE,
    /** Exact results. */
    EXACT,
    /** Approximate: the multi-index tables until a number of candidates was ranked. */
    PROBE
  }

  private final String field;
  private final byte[] code;
  private final int k;
  private final SearchOptions.Mode mode;
  private final OptionalLong candidates;
  private final OptionalInt length;
  private final QueryBuilder filter; // null: none

  /**
   * An exact search (mode {@code default}) for the {@code k} nearest codes per shard.
   *
   * @throws IllegalArgumentException if the field or code is null or empty, or k is outside
   *     {@code [1, MAX_K]}
   */
  public NestedHammingQueryBuilder(String field, byte[] code, int k) {
    this(field, code, k, SearchOptions.Mode.DEFAULT, OptionalLong.empty(), OptionalInt.empty(), null);
  }

  private NestedHammingQueryBuilder(String field, byte[] code, int k, SearchOptions.Mode mode, OptionalLong candidates,
      OptionalInt length, QueryBuilder filter) {
    if (field == null || field.isEmpty()) {
      throw new IllegalArgumentException("[" + NAME + "] needs a [field]");
    }
    if (code == null || code.length == 0) {
      throw new IllegalArgumentException("[" + NAME + "] needs a [code]");
    }
    if (k < 1 || k > MAX_K) {
      throw new IllegalArgumentException("[" + NAME + "] [k] must be in [1, " + MAX_K + "], got " + k);
    }
    if (mode == SearchOptions.Mode.PROBE && (candidates.isEmpty() || candidates.getAsLong() < 1)) {
      throw new IllegalArgumentException("[" + NAME + "] mode [probe] needs [candidates] >= 1, the codes to rank"
          + (candidates.isPresent() ? ", got " + candidates.getAsLong() : ""));
    }
    if (mode != SearchOptions.Mode.PROBE && candidates.isPresent()) {
      throw new IllegalArgumentException("[" + NAME + "] [candidates] is for mode [probe], not [" + name(mode) + "]");
    }
    if (length.isPresent()) {
      int l = length.getAsInt();
      if (l <= 0 || l % 8 != 0 || l > code.length * 8) {
        throw new IllegalArgumentException("[" + NAME + "] [length] must be a positive multiple of 8 of at most the code's "
            + code.length * 8 + " bits, got " + l);
      }
    }
    this.field = field;
    this.code = code.clone();
    this.k = k;
    this.mode = mode;
    this.candidates = candidates;
    this.length = length;
    this.filter = filter;
  }

  /** The same search, exact. */
  public NestedHammingQueryBuilder exact() {
    return new NestedHammingQueryBuilder(field, code, k, SearchOptions.Mode.EXACT, OptionalLong.empty(), length, filter);
  }

  /** The same search, approximate: each segment's tables until {@code candidates} codes were ranked. */
  public NestedHammingQueryBuilder probe(long candidates) {
    return new NestedHammingQueryBuilder(field, code, k, SearchOptions.Mode.PROBE, OptionalLong.of(candidates), length, filter);
  }

  /** The same search at {@code bits}, one of the field's lengths. */
  public NestedHammingQueryBuilder length(int bits) {
    return new NestedHammingQueryBuilder(field, code, k, mode, candidates, OptionalInt.of(bits), filter);
  }

  /** The same search among the documents {@code filter} matches. */
  public NestedHammingQueryBuilder filter(QueryBuilder filter) {
    return new NestedHammingQueryBuilder(field, code, k, mode, candidates, length, Objects.requireNonNull(filter, "filter"));
  }

  /** Reads a query sent by another node. */
  public NestedHammingQueryBuilder(StreamInput in) throws IOException {
    super(in);
    field = in.readString();
    code = in.readByteArray();
    k = in.readVInt();
    // the wire carries the ordinal: DEFAULT, EXACT and PROBE are 0, 1 and 2, as the modes this
    // query had before it took nhl's vocabulary
    mode = in.readEnum(SearchOptions.Mode.class);
    if (mode == SearchOptions.Mode.PLAN) {
      throw new IOException("[" + NAME + "] received mode [plan], which OpenSearch does not run");
    }
    Long c = in.readOptionalVLong();
    candidates = c == null ? OptionalLong.empty() : OptionalLong.of(c);
    Integer l = in.readOptionalVInt();
    length = l == null ? OptionalInt.empty() : OptionalInt.of(l);
    filter = in.readOptionalNamedWriteable(QueryBuilder.class);
  }

  @Override
  protected void doWriteTo(StreamOutput out) throws IOException {
    out.writeString(field);
    out.writeByteArray(code);
    out.writeVInt(k);
    out.writeEnum(mode);
    out.writeOptionalVLong(candidates.isPresent() ? candidates.getAsLong() : null);
    out.writeOptionalVInt(length.isPresent() ? length.getAsInt() : null);
    out.writeOptionalNamedWriteable(filter);
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
    builder.field("k", k);
    builder.field("mode", name(mode));
    if (candidates.isPresent()) {
      builder.field("candidates", candidates.getAsLong());
    }
    if (length.isPresent()) {
      builder.field("length", length.getAsInt());
    }
    if (filter != null) {
      builder.field("filter");
      filter.toXContent(builder, params);
    }
    printBoostAndQueryName(builder);
    builder.endObject();
  }

  private static String name(SearchOptions.Mode mode) {
    return mode.name().toLowerCase(Locale.ROOT);
  }

  /** Parses the query from JSON; every error is a {@link ParsingException} (HTTP 400). */
  public static NestedHammingQueryBuilder fromXContent(XContentParser parser) throws IOException {
    var f = new Object() {
      String field;
      byte[] code;
      Integer k;
      SearchOptions.Mode mode = SearchOptions.Mode.DEFAULT;
      OptionalLong candidates = OptionalLong.empty();
      OptionalInt length = OptionalInt.empty();
      QueryBuilder filter;
      float boost = DEFAULT_BOOST;
      String queryName;
    };
    CodeValues.readObject(parser, NAME, "field, code, k, mode, candidates, length, filter, boost and _name", Map.of(
        "field", p -> f.field = CodeValues.text(p, NAME, "field"),
        "code", p -> f.code = CodeValues.parse(p, "[" + NAME + "] [code]"),
        "k", p -> f.k = p.intValue(),
        "mode", p -> f.mode = mode(CodeValues.text(p, NAME, "mode")),
        "candidates", p -> f.candidates = OptionalLong.of(p.longValue()),
        "length", p -> f.length = OptionalInt.of(p.intValue()),
        "filter", p -> f.filter = parseInnerQueryBuilder(p),
        "boost", p -> f.boost = p.floatValue(),
        "_name", p -> f.queryName = CodeValues.text(p, NAME, "_name")));
    if (f.field == null || f.code == null || f.k == null) {
      throw new ParsingException(parser.getTokenLocation(),
          "[" + NAME + "] needs [field], [code] and [k]; missing " + (f.field == null ? "[field]" : f.code == null ? "[code]" : "[k]"));
    }
    try {
      NestedHammingQueryBuilder b = new NestedHammingQueryBuilder(f.field, f.code, f.k, f.mode, f.candidates, f.length, f.filter);
      b.boost(f.boost);
      b.queryName(f.queryName);
      return b;
    } catch (IllegalArgumentException e) {
      throw new ParsingException(parser.getTokenLocation(), e.getMessage(), e);
    }
  }

  /** The mode named in JSON: nhl's modes but plan; {@code progressive}, this query's first name of the default, still reads. */
  private static SearchOptions.Mode mode(String text) {
    if ("progressive".equals(text)) {
      return SearchOptions.Mode.DEFAULT;
    }
    for (SearchOptions.Mode m : SearchOptions.Mode.values()) {
      if (m != SearchOptions.Mode.PLAN && name(m).equals(text)) {
        return m;
      }
    }
    throw new IllegalArgumentException("[" + NAME + "] [mode] must be default, exact or probe, got [" + text + "]");
  }

  @Override
  protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
    if (filter == null) {
      return this;
    }
    QueryBuilder rewritten = filter.rewrite(context);
    if (rewritten == filter) {
      return this;
    }
    NestedHammingQueryBuilder b = new NestedHammingQueryBuilder(field, code, k, mode, candidates, length, rewritten);
    b.boost(boost);
    b.queryName(queryName);
    return b;
  }

  @Override
  protected Query doToQuery(QueryShardContext context) throws IOException {
    int bits = length.orElse(code.length * 8);
    byte[] query = searchedCode(context, field, code, bits, NAME);
    if (query == null) {
      return new MatchNoDocsQuery("no field [" + field + "] in this index");
    }
    NestedHammingQuery q = switch (mode) {
      case DEFAULT -> NestedHammingQuery.defaults(field, query, k);
      case EXACT -> NestedHammingQuery.exact(field, query, k);
      case PROBE -> NestedHammingQuery.approximate(field, query, k, candidates.getAsLong());
      case PLAN -> throw new IllegalStateException("mode plan is refused where the query is built");
    };
    return filter == null ? q : q.withFilter(filter.toQuery(context));
  }

  /**
   * The query code cut to {@code bits}, after checking that {@code field} is a {@code
   * nested_code} field with that length; null when the index has no such field.
   */
  static byte[] searchedCode(QueryShardContext context, String field, byte[] code, int bits, String query) {
    MappedFieldType type = context.fieldMapper(field);
    if (type == null) {
      return null;
    }
    if (!(type instanceof NestedCodeFieldMapper.NestedCodeFieldType codes)) {
      throw new QueryShardException(context, "[" + query + "] searches fields of type [" + NestedCodeFieldMapper.CONTENT_TYPE
          + "], field [" + field + "] is of type [" + type.typeName() + "]");
    }
    CodeSpec spec = codes.spec();
    if (!spec.hasLength(bits)) {
      throw new QueryShardException(context, "[" + query + "] searches field [" + field + "] at " + bits
          + " bits, which is not one of its lengths " + Arrays.toString(spec.lengths())
          + (bits == code.length * 8 ? " (the code's own length; give [length] to search a prefix)" : ""));
    }
    return Codes.prefix(code, bits);
  }

  @Override
  protected boolean doEquals(NestedHammingQueryBuilder o) {
    return field.equals(o.field) && Arrays.equals(code, o.code) && k == o.k && mode == o.mode
        && candidates.equals(o.candidates) && length.equals(o.length) && Objects.equals(filter, o.filter);
  }

  @Override
  protected int doHashCode() {
    return Objects.hash(field, Arrays.hashCode(code), k, mode, candidates, length, filter);
  }
}
