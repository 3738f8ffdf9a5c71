/**
 * Nested codes inside Lucene: {@link dev.nhl.lucene.NestedCodeField} adds a code to a document,
 * {@link dev.nhl.lucene.NhlCodec} stores such fields column-wise through {@link
 * dev.nhl.lucene.NhlDocValuesFormat}.
 */
package dev.nhl.lucene;
