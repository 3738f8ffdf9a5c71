package dev.nhl.index;

import java.util.Arrays;

/**
 * The lengths, in bits, of a family of nested codes: an increasing list {@code L1 < L2 < ... < Ln},
 * each a multiple of 8, where the code of length {@code Li} is the first {@code Li} bits of the
 * code of length {@code Ln}. The bit layout of a code is described in {@link Codes}.
 *
 * <p>A spec has between 1 and {@value #MAX_STAGES} lengths; the longest is at most {@value
 * #MAX_BITS} bits. Instances are immutable; {@link #equals} compares the lengths.
 */
public final class CodeSpec {

  /** Longest supported code, in bits. */
  public static final int MAX_BITS = 8192;

  /** Largest number of lengths in one spec. */
  public static final int MAX_STAGES = 64;

  private final int[] lengths;

  private CodeSpec(int[] lengths) {
    this.lengths = lengths;
  }

  /**
   * Creates a spec from lengths in bits.
   *
   * @throws IllegalArgumentException if the list is empty or longer than {@value #MAX_STAGES},
   *     a length is not positive, not a multiple of 8 or above {@value #MAX_BITS}, or the lengths
   *     are not strictly increasing
   */
  public static CodeSpec of(int... lengths) {
    if (lengths == null || lengths.length == 0) {
      throw new IllegalArgumentException("a code spec needs at least one length, got none");
    }
    if (lengths.length > MAX_STAGES) {
      throw new IllegalArgumentException(
          "a code spec has at most " + MAX_STAGES + " lengths, got " + lengths.length);
    }
    int[] copy = lengths.clone();
    for (int i = 0; i < copy.length; i++) {
      int l = copy[i];
      if (l <= 0 || l % 8 != 0 || l > MAX_BITS) {
        throw new IllegalArgumentException(
            "code length must be a positive multiple of 8 of at most "
                + MAX_BITS
                + " bits, got "
                + l
                + " in "
                + Arrays.toString(lengths));
      }
      if (i > 0 && l <= copy[i - 1]) {
        throw new IllegalArgumentException(
            "code lengths must be strictly increasing, got "
                + copy[i - 1]
                + " then "
                + l
                + " in "
                + Arrays.toString(lengths));
      }
    }
    return new CodeSpec(copy);
  }

  /**
   * Parses the form written by {@link #toString()}, for example {@code "16,32,64,128"} (spaces
   * and an optional {@code "bits"} suffix are ignored).
   *
   * @throws IllegalArgumentException if the text is not such a list or the lengths are invalid
   */
  public static CodeSpec parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("code spec text is empty; expected e.g. \"16,32,64,128\"");
    }
    String body = text.strip();
    if (body.endsWith("bits")) {
      body = body.substring(0, body.length() - 4);
    }
    String[] parts = body.split(",");
    int[] lengths = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        lengths[i] = Integer.parseInt(parts[i].strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "code spec \"" + text + "\": \"" + parts[i].strip() + "\" is not a number", e);
      }
    }
    return of(lengths);
  }

  /** Number of lengths (stages). */
  public int stages() {
    return lengths.length;
  }

  /** The length in bits of stage {@code stage} (0-based). */
  public int length(int stage) {
    return lengths[stage];
  }

  /** The longest length, in bits. */
  public int maxBits() {
    return lengths[lengths.length - 1];
  }

  /** Bytes of the longest code. */
  public int maxBytes() {
    return maxBits() >>> 3;
  }

  /** A copy of the lengths. */
  public int[] lengths() {
    return lengths.clone();
  }

  /** Whether {@code bits} is one of the lengths. */
  public boolean hasLength(int bits) {
    return Arrays.binarySearch(lengths, bits) >= 0;
  }

  /**
   * The stage (0-based) whose length is {@code bits}.
   *
   * @throws IllegalArgumentException if {@code bits} is not one of the lengths
   */
  public int stageOf(int bits) {
    int s = Arrays.binarySearch(lengths, bits);
    if (s < 0) {
      throw new IllegalArgumentException(
          "length " + bits + " is not one of the code spec's lengths " + this);
    }
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CodeSpec other && Arrays.equals(lengths, other.lengths);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(lengths);
  }

  /** The lengths separated by commas, e.g. {@code 16,32,64,128}; {@link #parse} reads it back. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lengths.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(lengths[i]);
    }
    return sb.toString();
  }
}
