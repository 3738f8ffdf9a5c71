package dev.nhl.lucene;

import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;

/**
 * Reads segments written under the codec's first name, {@code Nhl} (over {@code Lucene104}), so
 * that indexes of earlier releases open; it cannot write. New segments, merges included, are
 * written by the codec of the writer's configuration, {@link NhlCodec}. Registered with Java's
 * service loader; applications do not use it directly.
 */
public final class NhlLegacyCodec extends FilterCodec {

  /** The SPI name of the first release. */
  public static final String NAME = "Nhl";

  private final DocValuesFormat docValues = new NhlLegacyDocValuesFormat();

  /** Built by the service loader. */
  public NhlLegacyCodec() {
    super(NAME, new Lucene104Codec());
  }

  @Override
  public DocValuesFormat docValuesFormat() {
    return docValues;
  }
}
