/**
 * Hamming kernels and the choice between their Vector API and scalar implementations. Internal:
 * not part of the public API, and the only package that touches {@code jdk.incubator.vector}.
 */
package dev.nhl.index.internal.vectorization;
