package dev.nhl.encoder.training;

import java.util.Arrays;

/**
 * The labels of a set of items, single- or multi-label. Two items are relevant to each other when
 * they share at least one label: the relevance that supervised hashing trains for and that
 * retrieval metrics score.
 */
public final class Labels {

  private final int classes;
  private final int words;
  // one bit set per item, classes bits wide
  private final long[] bits;
  private final int size;

  private Labels(int size, int classes) {
    this.size = size;
    this.classes = classes;
    this.words = (classes + 63) >>> 6;
    this.bits = new long[size * words];
  }

  /**
   * One label per item.
   *
   * @param labels label of each item, in {@code [0, classes)}
   * @param classes number of classes
   * @throws IllegalArgumentException if a label is outside {@code [0, classes)}
   */
  public static Labels single(int[] labels, int classes) {
    checkClasses(classes);
    Labels l = new Labels(labels.length, classes);
    for (int i = 0; i < labels.length; i++) {
      l.set(i, labels[i]);
    }
    return l;
  }

  /**
   * Any number of labels per item (possibly none).
   *
   * @param labels the labels of each item, each in {@code [0, classes)}
   * @param classes number of classes
   * @throws IllegalArgumentException if a label is outside {@code [0, classes)}
   */
  public static Labels multi(int[][] labels, int classes) {
    checkClasses(classes);
    Labels l = new Labels(labels.length, classes);
    for (int i = 0; i < labels.length; i++) {
      for (int c : labels[i]) {
        l.set(i, c);
      }
    }
    return l;
  }

  private static void checkClasses(int classes) {
    if (classes < 1) {
      throw new IllegalArgumentException("number of classes must be at least 1, got " + classes);
    }
  }

  private void set(int item, int label) {
    if (label < 0 || label >= classes) {
      throw new IllegalArgumentException(
          "label of item " + item + " must be in [0, " + classes + "), got " + label);
    }
    bits[item * words + (label >>> 6)] |= 1L << (label & 63);
  }

  /** Number of items. */
  public int size() {
    return size;
  }

  /** Number of classes. */
  public int classes() {
    return classes;
  }

  /** Whether item {@code i} carries label {@code label}. */
  public boolean has(int i, int label) {
    return (bits[i * words + (label >>> 6)] & (1L << (label & 63))) != 0;
  }

  /** The labels of item {@code i}, ascending. */
  public int[] of(int i) {
    int[] out = new int[classes];
    int n = 0;
    for (int c = 0; c < classes; c++) {
      if (has(i, c)) {
        out[n++] = c;
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** Whether items {@code i} of this set and {@code j} of {@code other} share a label. */
  public boolean relevant(int i, Labels other, int j) {
    int w = Math.min(words, other.words);
    for (int x = 0; x < w; x++) {
      if ((bits[i * words + x] & other.bits[j * other.words + x]) != 0) {
        return true;
      }
    }
    return false;
  }

  /** The items at the given positions, in that order. */
  public Labels subset(int[] items) {
    Labels l = new Labels(items.length, classes);
    for (int i = 0; i < items.length; i++) {
      System.arraycopy(bits, items[i] * words, l.bits, i * words, words);
    }
    return l;
  }
}
