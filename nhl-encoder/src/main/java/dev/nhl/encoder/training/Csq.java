package dev.nhl.encoder.training;

import java.util.Random;

/** Central Similarity Quantization for one code length (see {@link Objective#CSQ}). */
final class Csq implements LengthObjective {

  static final double LAMBDA = 1e-4;

  private final int bits;
  private final Labels labels;
  // classes x bits, each ±1
  final float[] centres;
  // where the labels' centres cancel out, a multi-label target takes this fixed random sign
  private final float[] tieBreak;

  private Csq(int bits, Labels labels, float[] centres, float[] tieBreak) {
    this.bits = bits;
    this.labels = labels;
    this.centres = centres;
    this.tieBreak = tieBreak;
  }

  private static float[] signs(int bits, Random random) {
    float[] s = new float[bits];
    for (int b = 0; b < bits; b++) {
      s[b] = random.nextBoolean() ? 1f : -1f;
    }
    return s;
  }

  /**
   * One objective per length of a run, with the centres {@code how} draws for the lengths of
   * {@code centreSpec} (which holds every run length). Centres come from random streams of their
   * own, seeded by {@code seed} and, where each length or block draws its own, by that length or
   * block: a run of any subset of {@code centreSpec}'s lengths with the same seed gets the same
   * centres for each of its lengths.
   *
   * <ul>
   *   <li>NESTED: the longest length's centres, their columns in a random order (a column
   *       permutation keeps Hadamard rows orthogonal); every shorter length takes their first bits.
   *   <li>INDEPENDENT: each length draws its own.
   *   <li>BLOCK: each increment of {@code centreSpec} draws its own block; a length's centre is its
   *       blocks in order.
   * </ul>
   */
  static Csq[] forLengths(int[] lengths, Labels labels, TrainerConfig.Centres how, int[] centreLengths, long seed) {
    int classes = labels.classes();
    Csq[] out = new Csq[lengths.length];
    switch (how.resolve(classes, centreLengths[0])) {
      case NESTED -> {
        int max = centreLengths[centreLengths.length - 1];
        Random random = new Random(stream(seed, 0));
        float[] full = centres(classes, max, random);
        int[] perm = NhlTrainer.shuffled(max, random);
        float[] tie = signs(max, random);
        for (int i = 0; i < lengths.length; i++) {
          int k = lengths[i];
          float[] c = new float[classes * k];
          for (int cls = 0; cls < classes; cls++) {
            for (int b = 0; b < k; b++) {
              c[cls * k + b] = full[cls * max + perm[b]];
            }
          }
          out[i] = new Csq(k, labels, c, java.util.Arrays.copyOf(tie, k));
        }
      }
      case BLOCK -> {
        int max = lengths[lengths.length - 1];
        float[] all = new float[classes * max];
        float[] tie = new float[max];
        int from = 0;
        for (int j = 0; j < centreLengths.length && from < max; j++) {
          int size = centreLengths[j] - from;
          Random random = new Random(stream(seed, 1_000 + j));
          float[] block = centres(classes, size, random);
          float[] blockTie = signs(size, random);
          for (int cls = 0; cls < classes; cls++) {
            System.arraycopy(block, cls * size, all, cls * max + from, size);
          }
          System.arraycopy(blockTie, 0, tie, from, size);
          from = centreLengths[j];
        }
        for (int i = 0; i < lengths.length; i++) {
          int k = lengths[i];
          float[] c = new float[classes * k];
          for (int cls = 0; cls < classes; cls++) {
            System.arraycopy(all, cls * max, c, cls * k, k);
          }
          out[i] = new Csq(k, labels, c, java.util.Arrays.copyOf(tie, k));
        }
      }
      default -> {
        for (int i = 0; i < lengths.length; i++) {
          Random random = new Random(stream(seed, lengths[i]));
          out[i] = new Csq(lengths[i], labels, centres(classes, lengths[i], random), signs(lengths[i], random));
        }
      }
    }
    return out;
  }

  /** The seed of one of the centres' random streams, apart from the trainer's own. */
  private static long stream(long seed, int which) {
    long z = seed * 0x9E3779B97F4A7C15L + which * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    return z ^ (z >>> 31);
  }

  /**
   * Hash centres: rows of the Sylvester Hadamard matrix and their negations when {@code bits} is
   * a power of two and {@code classes <= 2 bits}; otherwise random vectors with as many +1 as
   * -1.
   */
  static float[] centres(int classes, int bits, Random random) {
    float[] c = new float[classes * bits];
    if (Integer.bitCount(bits) == 1 && classes <= 2 * bits) {
      for (int k = 0; k < classes; k++) {
        int row = k % bits;
        float sign = k < bits ? 1f : -1f;
        for (int b = 0; b < bits; b++) {
          // Sylvester: H[i][j] = (-1)^popcount(i & j)
          c[k * bits + b] = sign * ((Integer.bitCount(row & b) & 1) == 0 ? 1f : -1f);
        }
      }
      return c;
    }
    for (int k = 0; k < classes; k++) {
      int[] perm = NhlTrainer.shuffled(bits, random);
      for (int b = 0; b < bits; b++) {
        c[k * bits + perm[b]] = b < bits / 2 ? -1f : 1f;
      }
    }
    return c;
  }

  @Override
  public int bits() {
    return bits;
  }

  /** The centre an item is pulled to, ±1 per bit. */
  void target(int item, float[] out) {
    java.util.Arrays.fill(out, 0f);
    int[] ls = labels.of(item);
    for (int l : ls) {
      for (int b = 0; b < bits; b++) {
        out[b] += centres[l * bits + b];
      }
    }
    for (int b = 0; b < bits; b++) {
      out[b] = out[b] > 0 ? 1f : out[b] < 0 ? -1f : tieBreak[b];
    }
  }

  @Override
  public double lossAndGradient(float[] u, int rows, int[] items, float[] grad) {
    double n = (double) rows * bits;
    double loss = 0;
    float[] c = new float[bits];
    for (int r = 0; r < rows; r++) {
      target(items[r], c);
      for (int b = 0; b < bits; b++) {
        int i = r * bits + b;
        double x = u[i];
        double q = (c[b] + 1) / 2;
        // BCE of p = (tanh x + 1)/2 = sigmoid(2x), written with softplus so that it never takes log 0
        loss += q * LengthObjective.softplus(-2 * x) + (1 - q) * LengthObjective.softplus(2 * x);
        double t = Math.tanh(x);
        double a = Math.abs(t) - 1;
        loss += LAMBDA * a * a;
        double g = 2 * (LengthObjective.sigmoid(2 * x) - q) + LAMBDA * 2 * a * Math.signum(t) * (1 - t * t);
        grad[i] = (float) (g / n);
      }
    }
    return loss / n;
  }
}
