package dev.nhl.opensearch;

import dev.nhl.lucene.NhlDocValuesFormat;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.perfield.PerFieldDocValuesFormat;
import org.opensearch.index.codec.CodecAliases;

/**
 * The codec {@code index.codec: nhl} installs: OpenSearch's own codec for the index, except that
 * the doc values of {@code nested_code} fields go to {@link NhlDocValuesFormat} (columns and
 * multi-index tables); every other field keeps the format OpenSearch's codec gives it.
 *
 * <p>Doc values are routed per field, and each segment records which format wrote each field, so
 * reading needs no mapping: the codec the service loader builds under {@value #NAME} (over {@code
 * Lucene104}, whose per-field readers follow those records) reads what any instance wrote. Its
 * alias {@value NhlPlugin#CODEC} is what {@code index.codec} accepts.
 */
public final class NhlOpenSearchCodec extends FilterCodec implements CodecAliases {

  /** The SPI name recorded in segments: nhl's doc values over {@code Lucene104}. */
  public static final String NAME = "NhlOpenSearch104";

  private final DocValuesFormat docValues;

  /** The codec the service loader builds to read segments. */
  public NhlOpenSearchCodec() {
    this(new Lucene104Codec(), field -> false);
  }

  /**
   * The codec that writes an index: {@code delegate} (OpenSearch's codec for it) with {@code
   * codeField}'s fields' doc values in {@link NhlDocValuesFormat}.
   */
  public NhlOpenSearchCodec(Codec delegate, Predicate<String> codeField) {
    super(NAME, delegate);
    DocValuesFormat nhl = new NhlDocValuesFormat();
    DocValuesFormat other = delegate.docValuesFormat();
    this.docValues = new PerFieldDocValuesFormat() {
      @Override
      public DocValuesFormat getDocValuesFormatForField(String field) {
        if (codeField.test(field)) {
          return nhl;
        }
        return other instanceof PerFieldDocValuesFormat perField ? perField.getDocValuesFormatForField(field) : other;
      }
    };
  }

  @Override
  public Set<String> aliases() {
    return Set.of(NhlPlugin.CODEC);
  }

  @Override
  public DocValuesFormat docValuesFormat() {
    return docValues;
  }
}
