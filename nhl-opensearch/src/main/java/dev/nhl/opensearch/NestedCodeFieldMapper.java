package dev.nhl.opensearch;

import dev.nhl.index.CodeSpec;
import dev.nhl.lucene.NestedCodeField;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.lucene.search.Query;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.mapper.ParametrizedFieldMapper;
import org.opensearch.index.mapper.ParseContext;
import org.opensearch.index.mapper.SourceValueFetcher;
import org.opensearch.index.mapper.TextSearchInfo;
import org.opensearch.index.mapper.ValueFetcher;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;
import org.opensearch.search.lookup.SearchLookup;

/**
 * The {@value #CONTENT_TYPE} field type: one nested code a document, stored as nhl-lucene's
 * {@link NestedCodeField} (binary doc values that the {@code nhl} codec lays out column-wise, with
 * multi-index tables in large segments).
 *
 * <pre>{@code
 * "mappings": { "properties": { "code": { "type": "nested_code", "lengths": [16, 32, 64, 128] } } }
 * }</pre>
 *
 * {@code lengths} is required and fixed: it cannot change once the field exists. A value is a
 * hex string of the longest length ({@code lengths[-1] / 4} digits) or an array of that many
 * numbers whose signs are the bits.
 */
public final class NestedCodeFieldMapper extends ParametrizedFieldMapper {

  /** The type name in mappings. */
  public static final String CONTENT_TYPE = "nested_code";

  /** The mapping parser OpenSearch calls for {@value #CONTENT_TYPE}. */
  public static final TypeParser PARSER = new TypeParser((name, context) -> new Builder(name));

  private static NestedCodeFieldMapper toType(org.opensearch.index.mapper.FieldMapper in) {
    return (NestedCodeFieldMapper) in;
  }

  /** Builds the mapper from a mapping. */
  static final class Builder extends ParametrizedFieldMapper.Builder {

    private final Parameter<List<Integer>> lengths = new Parameter<List<Integer>>(
        "lengths", false, List::of, (name, context, value) -> parseLengths(name, value),
        m -> lengthsOf(toType(m).fieldType().spec()))
        .setValidator(Builder::validateLengths);
    private final Parameter<Map<String, String>> meta = Parameter.metaParam();

    Builder(String name) {
      super(name);
    }

    @Override
    protected List<Parameter<?>> getParameters() {
      return List.of(lengths, meta);
    }

    @Override
    public NestedCodeFieldMapper build(BuilderContext context) {
      if (lengths.getValue().isEmpty()) {
        throw new MapperParsingException(
            "field [" + name + "] of type [" + CONTENT_TYPE + "] needs [lengths], the code lengths in bits, e.g. [16, 32, 64, 128]");
      }
      CodeSpec spec = CodeSpec.of(lengths.getValue().stream().mapToInt(Integer::intValue).toArray());
      return new NestedCodeFieldMapper(name, new NestedCodeFieldType(buildFullName(context), spec, meta.getValue()),
          multiFieldsBuilder.build(this, context), copyTo.build());
    }

    private static List<Integer> parseLengths(String name, Object value) {
      if (!(value instanceof List<?> list)) {
        throw new MapperParsingException("[" + name + "] must be an array of code lengths in bits, e.g. [16, 32, 64, 128], got [" + value + "]");
      }
      List<Integer> out = new ArrayList<>(list.size());
      for (Object o : list) {
        if (!(o instanceof Number n) || n.doubleValue() != n.intValue()) {
          throw new MapperParsingException("[" + name + "] must hold whole numbers of bits, got [" + o + "] in " + list);
        }
        out.add(n.intValue());
      }
      return List.copyOf(out);
    }

    private static void validateLengths(List<Integer> lengths) {
      if (lengths.isEmpty()) {
        return; // reported by build, which knows the field's name
      }
      try {
        CodeSpec.of(lengths.stream().mapToInt(Integer::intValue).toArray());
      } catch (IllegalArgumentException e) {
        throw new MapperParsingException("[lengths] " + lengths + " is not a nested code spec: " + e.getMessage(), e);
      }
    }
  }

  /** The field's type: its {@link CodeSpec}, and no term queries (use {@code nested_hamming}). */
  public static final class NestedCodeFieldType extends MappedFieldType {

    private final CodeSpec spec;

    NestedCodeFieldType(String name, CodeSpec spec, Map<String, String> meta) {
      super(name, false, false, true, TextSearchInfo.NONE, meta);
      this.spec = spec;
    }

    /** The code lengths of the field. */
    public CodeSpec spec() {
      return spec;
    }

    @Override
    public String typeName() {
      return CONTENT_TYPE;
    }

    @Override
    public ValueFetcher valueFetcher(QueryShardContext context, SearchLookup searchLookup, String format) {
      return SourceValueFetcher.identity(name(), context, format);
    }

    @Override
    public Query termQuery(Object value, QueryShardContext context) {
      throw new QueryShardException(context, "field [" + name() + "] of type [" + CONTENT_TYPE
          + "] is searched with the [nested_hamming] and [nested_hamming_radius] queries, not by term");
    }
  }

  private NestedCodeFieldMapper(String simpleName, NestedCodeFieldType type, MultiFields multiFields, CopyTo copyTo) {
    super(simpleName, type, multiFields, copyTo);
  }

  @Override
  public NestedCodeFieldType fieldType() {
    return (NestedCodeFieldType) super.fieldType();
  }

  @Override
  public boolean parsesArrayValue() {
    return true; // an array of numbers is one code, not many values
  }

  @Override
  protected void parseCreateField(ParseContext context) throws IOException {
    if (context.parser().currentToken() == org.opensearch.core.xcontent.XContentParser.Token.VALUE_NULL) {
      return;
    }
    CodeSpec spec = fieldType().spec();
    String field = fieldType().name();
    byte[] code;
    try {
      code = CodeValues.parse(context.parser(), "the value of field [" + field + "]");
    } catch (IllegalArgumentException e) {
      throw new MapperParsingException(e.getMessage(), e);
    }
    if (code.length != spec.maxBytes()) {
      throw new MapperParsingException("field [" + field + "] holds codes of " + spec.maxBits() + " bits ("
          + spec.maxBytes() * 2 + " hex digits or " + spec.maxBits() + " numbers), got " + code.length * 8 + " bits");
    }
    if (context.doc().getField(field) != null) {
      throw new MapperParsingException("field [" + field + "] of type [" + CONTENT_TYPE + "] holds one code a document, got more");
    }
    context.doc().add(new NestedCodeField(field, code, spec));
  }

  @Override
  public ParametrizedFieldMapper.Builder getMergeBuilder() {
    return new Builder(simpleName()).init(this);
  }

  @Override
  protected String contentType() {
    return CONTENT_TYPE;
  }

  static List<Integer> lengthsOf(CodeSpec spec) {
    return Arrays.stream(spec.lengths()).boxed().toList();
  }
}
