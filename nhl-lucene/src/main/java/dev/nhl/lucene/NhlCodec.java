package dev.nhl.lucene;

import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;

/**
 * Lucene's default codec ({@code Lucene104}) with {@link NhlDocValuesFormat} for doc values: binary fields, {@link
 * NestedCodeField}s among them, are stored column-wise; everything else as Lucene stores it. Its
 * name, {@value #NAME}, names the Lucene codec it extends, as Lucene's own codec names do;
 * indexes written under the earlier name {@code Nhl} are read by {@link NhlLegacyCodec}.
 *
 * <pre>{@code
 * IndexWriterConfig config = new IndexWriterConfig(analyzer).setCodec(new NhlCodec());
 * }</pre>
 *
 * Reading needs no configuration: the codec is registered under {@value #NAME} with Java's
 * service loader.
 */
public final class NhlCodec extends FilterCodec {

  /** The SPI name of this codec: nhl's doc values over {@code Lucene104}. */
  public static final String NAME = "Nhl104";

  private final DocValuesFormat docValues;

  /**
   * The codec over {@link Lucene104Codec}, Lucene 10.6's default (named, not looked up: the
   * service loader builds codecs before the default is known).
   */
  public NhlCodec() {
    this(new NhlDocValuesFormat());
  }

  /**
   * The codec with a configured doc values format, such as {@code new NhlDocValuesFormat(1 <<
   * 16)} for prefix tables in smaller segments. Indexes it writes read back with the codec the
   * service loader builds: the format's settings only change what is written.
   */
  public NhlCodec(NhlDocValuesFormat docValues) {
    super(NAME, new Lucene104Codec());
    if (docValues == null) {
      throw new IllegalArgumentException("doc values format is null");
    }
    this.docValues = docValues;
  }

  @Override
  public DocValuesFormat docValuesFormat() {
    return docValues;
  }
}
