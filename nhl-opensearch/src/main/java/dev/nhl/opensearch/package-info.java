/**
 * nhl as an OpenSearch plugin: {@link dev.nhl.opensearch.NhlPlugin} adds the {@code nested_code}
 * field type ({@link dev.nhl.opensearch.NestedCodeFieldMapper}), the {@code nested_hamming} and
 * {@code nested_hamming_radius} queries, and the {@code nhl} codec ({@link
 * dev.nhl.opensearch.NhlOpenSearchCodec}). The search itself is nhl-index's, through nhl-lucene's
 * queries; this package only maps OpenSearch's mappings, JSON and wire format onto them.
 */
package dev.nhl.opensearch;
