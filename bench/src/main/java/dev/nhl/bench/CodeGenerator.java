package dev.nhl.bench;

import java.util.SplittableRandom;

/**
 * Generated 128-bit codes for benchmarks, reproducible from a seed. Data kinds:
 *
 * <ul>
 *   <li>{@code clustered}: {@code n / 1000} random centres; a code is a centre with each of bits
 *       0-63 flipped with probability 1/32 and each of bits 64-127 with probability 1/8, so that,
 *       as with codes of a trained nested hash layer, prefixes carry the most reliable bits and a
 *       code's nearest neighbours share its cluster. Queries are fresh samples of random centres,
 *       not stored codes.
 *   <li>{@code flipP} (for example {@code flip0.15}): {@code n / 1000} random centres; a code is a
 *       centre with every bit, prefix included, flipped with probability {@code P}: nested but
 *       noisy codes, as binarised embeddings and hashing models trained with other losses make.
 *       Queries are fresh samples.
 *   <li>{@code uniform}: every bit random, for codes and queries: prefixes say nothing about the
 *       full distance, the hard case for progressive search.
 *   <li>{@code file:PATH}: real codes, 16 bytes each, read in order from a file {@link RealCodes}
 *       wrote: the first {@code n} are the database, the rest the queries.
 * </ul>
 */
public final class CodeGenerator {

  private final boolean clustered;
  private final byte[] file; // file: codes in order; null otherwise
  private int filePos;
  private final double flip; // 0: the nested flip rates of clustered
  private final SplittableRandom random;
  private final long[][] centres;

  /**
   * @param data {@code clustered}, {@code flipP} with {@code 0 < P < 0.5}, or {@code uniform}
   */
  public CodeGenerator(String data, long n, long seed) {
    this.random = new SplittableRandom(seed);
    if (data.startsWith("file:")) {
      try {
        file = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(data.substring(5)));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      if (file.length < 16 * (n + 1)) {
        throw new IllegalArgumentException(data + " holds " + file.length / 16 + " codes, fewer than " + n + " and a query");
      }
      clustered = false;
      flip = 0;
      centres = new long[0][];
      return;
    }
    file = null;
    double p = 0;
    if (data.startsWith("flip")) {
      try {
        p = Double.parseDouble(data.substring(4));
      } catch (NumberFormatException e) {
        p = -1;
      }
      if (!(p > 0 && p < 0.5)) {
        throw new IllegalArgumentException("a flip rate must be in (0, 0.5), got " + data);
      }
    }
    this.flip = p;
    this.clustered = switch (data) {
      case "clustered" -> true;
      case "uniform" -> false;
      default -> {
        if (flip > 0) {
          yield true;
        }
        throw new IllegalArgumentException("data must be clustered, flipP (e.g. flip0.15) or uniform, got " + data);
      }
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
    if (file != null) {
      if (filePos + 16 > file.length) {
        throw new IllegalStateException("the code file has no more codes after " + filePos / 16);
      }
      System.arraycopy(file, filePos, out, 0, 16);
      filePos += 16;
      return;
    }
    long w0;
    long w1;
    if (flip > 0) {
      long[] c = centres[random.nextInt(centres.length)];
      w0 = c[0] ^ flips();
      w1 = c[1] ^ flips();
    } else if (clustered) {
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

  /** 64 bits, each set with probability {@code flip}. */
  private long flips() {
    long w = 0;
    for (int b = 0; b < 64; b++) {
      if (random.nextDouble() < flip) {
        w |= 1L << b;
      }
    }
    return w;
  }

  /** The next code as a new array. */
  public byte[] next() {
    byte[] b = new byte[16];
    next(b);
    return b;
  }

  /** The next {@code n} codes, each a new array. */
  public byte[][] next(int n) {
    byte[][] out = new byte[n][];
    for (int i = 0; i < n; i++) {
      out[i] = next();
    }
    return out;
  }

  /** Adds the next {@code n} codes to {@code builder}; returns it. */
  public dev.nhl.index.NestedCodeIndex.Builder addTo(dev.nhl.index.NestedCodeIndex.Builder builder, int n) {
    byte[] code = new byte[16];
    for (int i = 0; i < n; i++) {
      next(code);
      builder.add(code);
    }
    return builder;
  }
}
