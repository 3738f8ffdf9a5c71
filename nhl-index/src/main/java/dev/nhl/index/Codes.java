package dev.nhl.index;

/**
 * Conversions to and from the canonical bit layout of a code. This is the one place the layout
 * is defined; every other part of nhl (files, Lucene fields, the encoder's output) uses it.
 *
 * <h2>Bit layout</h2>
 *
 * <ul>
 *   <li>A code of {@code L} bits is a {@code byte[L / 8]}.
 *   <li>Bit {@code i} (the {@code i}-th output of the hash layer, 0-based) is stored in byte {@code
 *       i / 8}, at bit {@code 7 - i % 8} of that byte: the most significant bit first. So the hex
 *       form of a code reads its bits in order, and the code of a shorter length of a nested spec
 *       is the leading bytes of the longer code.
 *   <li>A real value becomes bit 1 when it is {@code > 0} and bit 0 otherwise ({@code 0.0} and
 *       {@code -0.0} give 0). NaN is rejected.
 *   <li>As {@code long[]}, word {@code w} holds bytes {@code 8w .. 8w+7} big-endian: bit {@code i}
 *       is bit {@code 63 - i % 64} of word {@code i / 64}. A code whose length is not a multiple of
 *       64 has zero bits in the unused low end of its last word.
 *   <li>As hex, two lower- or upper-case digits per byte, first byte first.
 * </ul>
 *
 * <p>The Hamming distance of two codes at length {@code L} counts the differing bits among their
 * first {@code L}.
 */
public final class Codes {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Codes() {}

  /**
   * Binarises real values: bit {@code i} is 1 when {@code values[i] > 0}.
   *
   * @throws IllegalArgumentException if the number of values is not a positive multiple of 8, or
   *     a value is NaN
   */
  public static byte[] fromFloats(float[] values) {
    if (values == null || values.length == 0 || values.length % 8 != 0) {
      throw new IllegalArgumentException(
          "number of values must be a positive multiple of 8, got "
              + (values == null ? "null" : values.length));
    }
    byte[] code = new byte[values.length >>> 3];
    for (int i = 0; i < values.length; i++) {
      float v = values[i];
      if (Float.isNaN(v)) {
        throw new IllegalArgumentException("value " + i + " is NaN; a code needs real values");
      }
      if (v > 0f) {
        code[i >>> 3] |= (byte) (0x80 >>> (i & 7));
      }
    }
    return code;
  }

  /**
   * Binarises the first {@code spec.maxBits()} real values.
   *
   * @throws IllegalArgumentException if {@code values.length != spec.maxBits()} or a value is NaN
   */
  public static byte[] fromFloats(float[] values, CodeSpec spec) {
    if (values == null || values.length != spec.maxBits()) {
      throw new IllegalArgumentException(
          "expected "
              + spec.maxBits()
              + " values for code spec "
              + spec
              + ", got "
              + (values == null ? "null" : values.length));
    }
    return fromFloats(values);
  }

  /** The real-value form of a code: +1 for each 1 bit, -1 for each 0 bit. */
  public static float[] toSigns(byte[] code) {
    float[] out = new float[code.length * 8];
    for (int i = 0; i < out.length; i++) {
      out[i] = bit(code, i) ? 1f : -1f;
    }
    return out;
  }

  /** Whether bit {@code i} of {@code code} is 1. */
  public static boolean bit(byte[] code, int i) {
    return (code[i >>> 3] & (0x80 >>> (i & 7))) != 0;
  }

  /**
   * Packs a code into big-endian longs; the last word's unused low bits are zero.
   *
   * @throws IllegalArgumentException if the code is null or empty
   */
  public static long[] toLongs(byte[] code) {
    checkCode(code);
    long[] words = new long[(code.length + 7) >>> 3];
    for (int i = 0; i < code.length; i++) {
      words[i >>> 3] |= (code[i] & 0xFFL) << (56 - 8 * (i & 7));
    }
    return words;
  }

  /**
   * Unpacks the first {@code bits} bits of big-endian longs.
   *
   * @throws IllegalArgumentException if {@code bits} is not a positive multiple of 8, does not
   *     fit in the words, or the words have bits set past {@code bits}
   */
  public static byte[] fromLongs(long[] words, int bits) {
    if (bits <= 0 || bits % 8 != 0) {
      throw new IllegalArgumentException(
          "code length must be a positive multiple of 8 bits, got " + bits);
    }
    int needWords = (bits + 63) >>> 6;
    if (words == null || words.length != needWords) {
      throw new IllegalArgumentException(
          "a "
              + bits
              + "-bit code takes "
              + needWords
              + " longs, got "
              + (words == null ? "null" : words.length));
    }
    int rest = bits & 63;
    if (rest != 0 && (words[needWords - 1] & (-1L >>> rest)) != 0) {
      throw new IllegalArgumentException(
          "bits set past bit " + bits + " in last word 0x" + Long.toHexString(words[needWords - 1]));
    }
    byte[] code = new byte[bits >>> 3];
    for (int i = 0; i < code.length; i++) {
      code[i] = (byte) (words[i >>> 3] >>> (56 - 8 * (i & 7)));
    }
    return code;
  }

  /** The code as lower-case hex, first byte first. */
  public static String toHex(byte[] code) {
    checkCode(code);
    char[] out = new char[code.length * 2];
    for (int i = 0; i < code.length; i++) {
      out[2 * i] = HEX[(code[i] >>> 4) & 0xF];
      out[2 * i + 1] = HEX[code[i] & 0xF];
    }
    return new String(out);
  }

  /**
   * Parses hex (two digits per byte, first byte first; an optional {@code 0x} prefix).
   *
   * @throws IllegalArgumentException if the text is empty, has an odd number of digits or a
   *     character that is not a hex digit
   */
  public static byte[] fromHex(String hex) {
    if (hex == null) {
      throw new IllegalArgumentException("hex code is null");
    }
    String s = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
    if (s.isEmpty() || (s.length() & 1) != 0) {
      throw new IllegalArgumentException(
          "hex code must have an even, non-zero number of digits, got "
              + s.length()
              + " in \""
              + hex
              + "\"");
    }
    byte[] code = new byte[s.length() / 2];
    for (int i = 0; i < code.length; i++) {
      int hi = Character.digit(s.charAt(2 * i), 16);
      int lo = Character.digit(s.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        int at = hi < 0 ? 2 * i : 2 * i + 1;
        throw new IllegalArgumentException(
            "'" + s.charAt(at) + "' at position " + at + " of \"" + hex + "\" is not a hex digit");
      }
      code[i] = (byte) ((hi << 4) | lo);
    }
    return code;
  }

  /**
   * The first {@code bits} bits of a code.
   *
   * @throws IllegalArgumentException if {@code bits} is not a positive multiple of 8 or longer
   *     than the code
   */
  public static byte[] prefix(byte[] code, int bits) {
    checkCode(code);
    if (bits <= 0 || bits % 8 != 0 || bits > code.length * 8) {
      throw new IllegalArgumentException(
          "prefix length must be a positive multiple of 8 of at most "
              + code.length * 8
              + " bits, got "
              + bits);
    }
    return java.util.Arrays.copyOf(code, bits >>> 3);
  }

  /**
   * Hamming distance of the first {@code bits} bits of two codes.
   *
   * @throws IllegalArgumentException if {@code bits} is not a positive multiple of 8 or longer
   *     than either code
   */
  public static int hamming(byte[] a, byte[] b, int bits) {
    if (bits <= 0 || bits % 8 != 0 || bits > a.length * 8 || bits > b.length * 8) {
      throw new IllegalArgumentException(
          "length must be a positive multiple of 8 of at most "
              + Math.min(a.length, b.length) * 8
              + " bits, got "
              + bits);
    }
    int d = 0;
    for (int i = 0, n = bits >>> 3; i < n; i++) {
      d += Integer.bitCount((a[i] ^ b[i]) & 0xFF);
    }
    return d;
  }

  /**
   * Hamming distance of the first {@code bits} bits of two codes packed as {@link #toLongs} packs
   * them, each starting at a word of a longer array (codes stored one after another).
   *
   * @throws IllegalArgumentException if {@code bits} is not positive or a code does not fit its array
   */
  public static int hamming(long[] a, int aWord, long[] b, int bWord, int bits) {
    int words = (bits + 63) >>> 6;
    if (bits <= 0 || aWord < 0 || bWord < 0 || aWord + words > a.length || bWord + words > b.length) {
      throw new IllegalArgumentException("a " + bits + "-bit code at words " + aWord + " and " + bWord
          + " does not fit arrays of " + a.length + " and " + b.length + " words");
    }
    int full = bits >>> 6;
    int d = 0;
    for (int w = 0; w < full; w++) {
      d += Long.bitCount(a[aWord + w] ^ b[bWord + w]);
    }
    if ((bits & 63) != 0) {
      d += Long.bitCount((a[aWord + full] ^ b[bWord + full]) & (-1L << (64 - (bits & 63))));
    }
    return d;
  }

  /**
   * Checks that {@code code} fits {@code spec}'s longest length.
   *
   * @throws IllegalArgumentException if it does not
   */
  public static void checkCode(byte[] code, CodeSpec spec) {
    if (code == null || code.length != spec.maxBytes()) {
      throw new IllegalArgumentException(
          "code spec "
              + spec
              + " takes codes of "
              + spec.maxBytes()
              + " bytes ("
              + spec.maxBits()
              + " bits), got "
              + (code == null ? "null" : code.length + " bytes"));
    }
  }

  private static void checkCode(byte[] code) {
    if (code == null || code.length == 0) {
      throw new IllegalArgumentException("code is " + (code == null ? "null" : "empty"));
    }
  }
}
