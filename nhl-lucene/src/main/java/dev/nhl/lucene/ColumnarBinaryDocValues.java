package dev.nhl.lucene;

import dev.nhl.index.ColumnarCodes;
import dev.nhl.index.PrefixBuckets;
import java.io.IOException;

/**
 * Implemented by the binary doc values of {@link NhlDocValuesFormat}'s column layout: the query
 * reaches the columns through it and scans them with the SIMD kernels.
 */
interface ColumnarBinaryDocValues {

  /** The columns in memory, or null when the directory does not map its files. */
  ColumnarCodes columns() throws IOException;

  /** The document of each ordinal, or null when every document has a value (ordinal = doc). */
  int[] ordToDoc() throws IOException;

  /** The field's prefix table in memory, or null when it has none or the directory does not map its files. */
  PrefixBuckets table() throws IOException;
}
