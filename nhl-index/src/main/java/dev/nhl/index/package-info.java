/**
 * Nested binary hash codes and their search.
 *
 * <p>A {@link dev.nhl.index.CodeSpec} names the lengths of a family of nested codes (say
 * 16/32/64/128 bits, each shorter code the first bits of the longer); {@link dev.nhl.index.Codes}
 * defines their bit layout and converts to and from it. A {@link dev.nhl.index.NestedCodeIndex}
 * stores codes column-wise, one column per prefix increment, with {@link
 * dev.nhl.index.MultiIndex multi-index hashing tables} when it is large, and answers exact,
 * radius, approximate and progressive searches ({@link dev.nhl.index.SearchOptions}, {@link
 * dev.nhl.index.ProgressivePlan}) with {@link dev.nhl.index.Hits} that say what each stage did.
 *
 * <p>{@link dev.nhl.index.CodeSegment} is the one read type of a segment's codes and the one place
 * that decides how a search runs; {@link dev.nhl.index.NestedCodeIndex} and the Lucene integration
 * both search through it, with the ids they accept as {@link dev.nhl.index.AcceptedIds}.
 *
 * <p>The Hamming kernels use the Vector API when the JVM runs with {@code --add-modules
 * jdk.incubator.vector}, and scalar code otherwise.
 */
package dev.nhl.index;
