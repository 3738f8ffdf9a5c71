package dev.nhl.lucene;

import dev.nhl.index.CodeSegment;
import java.io.IOException;

/**
 * Implemented by the binary doc values of {@link NhlDocValuesFormat}'s column layout: the queries
 * reach the field's codes through it and search them with nhl-index.
 */
interface ColumnarBinaryDocValues {

  /** The field's codes in this segment, by ordinal. */
  CodeSegment segment() throws IOException;

  /** The document of each ordinal, or null when every document has a value (ordinal = doc). */
  int[] ordToDoc() throws IOException;
}
