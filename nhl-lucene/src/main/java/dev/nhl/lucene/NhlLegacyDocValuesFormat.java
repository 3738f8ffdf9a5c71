package dev.nhl.lucene;

import java.io.IOException;
import org.apache.lucene.codecs.DocValuesConsumer;
import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.DocValuesProducer;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;

/**
 * Reads doc values written under the format's first name, {@code NhlDocValues} (versions 0 and 1
 * of {@link NhlDocValuesFormat}'s files); it cannot write. Registered with Java's service loader;
 * applications do not use it directly.
 */
public final class NhlLegacyDocValuesFormat extends DocValuesFormat {

  /** The SPI name of the first release. */
  public static final String NAME = "NhlDocValues";

  private final NhlDocValuesFormat reader = new NhlDocValuesFormat(NAME, Integer.MAX_VALUE, false);

  /** Built by the service loader. */
  public NhlLegacyDocValuesFormat() {
    super(NAME);
  }

  @Override
  public DocValuesConsumer fieldsConsumer(SegmentWriteState state) {
    throw new UnsupportedOperationException(
        "the " + NAME + " doc values format only reads old segments; write with " + NhlDocValuesFormat.NAME
            + " (NhlCodec)");
  }

  @Override
  public DocValuesProducer fieldsProducer(SegmentReadState state) throws IOException {
    return reader.fieldsProducer(state);
  }
}
