package dev.nhl.lucene;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.util.BytesRef;

/**
 * A document's nested code, stored as binary doc values. The field's {@link CodeSpec} is recorded
 * in the index as the field attribute {@value #SPEC_ATTRIBUTE}; with {@link NhlCodec} the codes of
 * a segment are stored column-wise, one column per prefix increment, so that a search reads only
 * the prefix bits it needs. Any Lucene tool reads the values back as ordinary {@code
 * BinaryDocValues}, one full code per document.
 *
 * <pre>{@code
 * doc.add(new NestedCodeField("code", code, CodeSpec.of(16, 32, 64, 128)));
 * }</pre>
 */
public final class NestedCodeField extends Field {

  /** The field attribute that records the code spec, e.g. {@code "16,32,64,128"}. */
  public static final String SPEC_ATTRIBUTE = "nhl.spec";

  private static final ConcurrentHashMap<CodeSpec, FieldType> TYPES = new ConcurrentHashMap<>();

  private final CodeSpec spec;

  /**
   * A field holding {@code code}, a code of {@code spec}'s longest length (copied).
   *
   * @throws IllegalArgumentException if the name or spec is null, or the code does not fit the
   *     spec; nothing is added to any document then
   */
  public NestedCodeField(String name, byte[] code, CodeSpec spec) {
    super(checkName(name), new BytesRef(checked(code, spec).clone()), typeFor(spec));
    this.spec = spec;
  }

  private static String checkName(String name) {
    if (name == null) {
      throw new IllegalArgumentException("field name is null");
    }
    return name;
  }

  private static byte[] checked(byte[] code, CodeSpec spec) {
    if (spec == null) {
      throw new IllegalArgumentException("code spec is null");
    }
    Codes.checkCode(code, spec);
    return code;
  }

  /** The field type of codes of {@code spec}: binary doc values carrying the spec attribute. */
  public static FieldType typeFor(CodeSpec spec) {
    return TYPES.computeIfAbsent(spec, s -> {
      FieldType t = new FieldType();
      t.setDocValuesType(DocValuesType.BINARY);
      t.putAttribute(SPEC_ATTRIBUTE, s.toString());
      t.freeze();
      return t;
    });
  }

  /**
   * The spec a field's codes were indexed with ({@link #SPEC_ATTRIBUTE}), or null when the field
   * records none or something that is not a spec (a field another application made): the one
   * place the attribute is read.
   */
  static CodeSpec recordedSpec(org.apache.lucene.index.FieldInfo info) {
    String attr = info == null ? null : info.getAttribute(SPEC_ATTRIBUTE);
    if (attr == null) {
      return null;
    }
    try {
      return CodeSpec.parse(attr);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The code spec of this field. */
  public CodeSpec spec() {
    return spec;
  }
}
