package dev.nhl.lucene;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.tests.index.BaseDocValuesFormatTestCase;
import org.apache.lucene.tests.util.TestUtil;

/**
 * Lucene's own doc values format suite, run against {@link NhlDocValuesFormat} for every field:
 * binary fields go through its column and offset layouts, the other types through the delegate.
 */
public class TestNhlDocValuesFormat extends BaseDocValuesFormatTestCase {

  @Override
  protected Codec getCodec() {
    // half the runs write a prefix table beside the columns of every fixed-length binary field
    return TestUtil.alwaysDocValuesFormat(random().nextBoolean()
        ? new NhlDocValuesFormat(1, true)
        : new NhlDocValuesFormat());
  }
}
