package dev.nhl.bench;

import java.util.SplittableRandom;

/**
 * Generated 128-bit nested codes for benchmarks, reproducible from a seed.
 *
 * <ul>
 *   <li>{@code clustered}: {@code n / 1000} random centres; a code is a centre with each of bits
 *       0-63 flipped with probability 1/32 and each of bits 64-127 with probability 1/8, so that,
 *       as with codes of a trained nested hash layer, prefixes carry the most reliable bits and a
 *       code's nearest neighbours share its cluster. Queries are fresh samples of random centres,
 *       not stored codes.
 *   <li>{@code uniform}: every bit random, for codes and queries: prefixes say nothing about the
 *       full distance, the hard case for progressive search.
 * </ul>
 */
public final class CodeGenerator {

  private final boolean clustered;
  private final SplittableRandom random;
  private final long[][] centres;

  /**
   * @param data {@code clustered} or {@code uniform}
   */
  public CodeGenerator(String data, long n, long seed) {
    this.random = new SplittableRandom(seed);
    this.clustered = switch (data) {
      case "clustered" -> true;
      case "uniform" -> false;
      default -> throw new IllegalArgumentException("data must be clustered or uniform, got " + data);
    };
    int k = (int) Math.max(1, n / 1000);
    centres = new long[clustered ? k : 0][2];
    for (long[] c : centres) {
      c[0] = random.nextLong();
      c[1] = random.nextLong();
    }
  }

  /** Writes the next code, big-endian words as in {@code Codes.toLongs}, into 16 bytes. */
  public void next(byte[] out) {
    long w0;
    long w1;
    if (clustered) {
      long[] c = centres[random.nextInt(centres.length)];
      long flip0 = random.nextLong() & random.nextLong() & random.nextLong() & random.nextLong()
          & random.nextLong(); // p = 1/32
      long flip1 = random.nextLong() & random.nextLong() & random.nextLong(); // p = 1/8
      w0 = c[0] ^ flip0;
      w1 = c[1] ^ flip1;
    } else {
      w0 = random.nextLong();
      w1 = random.nextLong();
    }
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (w0 >>> (56 - 8 * i));
      out[8 + i] = (byte) (w1 >>> (56 - 8 * i));
    }
  }

  /** The next code as a new array. */
  public byte[] next() {
    byte[] b = new byte[16];
    next(b);
    return b;
  }
}
