package dev.nhl.encoder.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Labels for photos that carry none, taken from the backbone's own classifier: each photo is
 * labelled with its most probable classes (for MobileNetV2, ImageNet's 1000) whose probability
 * reaches a threshold, at most {@link Options#maxLabels()} of them. Photos that share a class are
 * then trained as relevant to each other, as with human labels ({@link Labels#multi}).
 *
 * <p>Scores are the classifier's logits (turned into probabilities by a softmax) or
 * probabilities already (rows of values in [0, 1] that sum to 1, taken as they are). A photo
 * whose classes all stay below the threshold gets no label: it is left out of training, and the
 * trained model still encodes it like any other photo.
 *
 * <p>The derived {@link #labels()} number only the classes some photo has, in ascending order of
 * the backbone's class index ({@link #backboneClass(int)} maps back), over the labelled photos
 * only ({@link #labelled()}).
 */
public final class BackboneLabels {

  /**
   * How labels are derived.
   *
   * @param threshold the probability a class needs to become a label, in (0, 1]
   * @param maxLabels the most labels one photo gets, at least 1
   */
  public record Options(double threshold, int maxLabels) {

    /**
     * Defaults: threshold 0.2, at most 3 labels a photo (the best of eight settings on Caltech-101,
     * by a small margin: bench/RESULTS.md).
     */
    public static final Options DEFAULTS = new Options(0.2, 3);

    /**
     * @throws IllegalArgumentException if the threshold is not in (0, 1] or maxLabels is below 1
     */
    public Options {
      if (!(threshold > 0 && threshold <= 1)) {
        throw new IllegalArgumentException("label threshold must be in (0, 1], got " + threshold);
      }
      if (maxLabels < 1) {
        throw new IllegalArgumentException("labels per photo must be at least 1, got " + maxLabels);
      }
    }

    /** These options with another threshold. */
    public Options withThreshold(double t) {
      return new Options(t, maxLabels);
    }

    /** These options with another label limit. */
    public Options withMaxLabels(int m) {
      return new Options(threshold, m);
    }
  }

  private final int size;
  private final int backboneClasses;
  // per photo, its labels as backbone classes by descending probability, and those probabilities
  private final int[][] classes;
  private final float[][] probabilities;
  private final int[] labelled;
  private final int[] backboneClassOf;
  private final Labels labels;

  private BackboneLabels(int backboneClasses, int[][] classes, float[][] probabilities) {
    this.size = classes.length;
    this.backboneClasses = backboneClasses;
    this.classes = classes;
    this.probabilities = probabilities;
    int[] compact = new int[backboneClasses];
    Arrays.fill(compact, -1);
    int count = 0;
    int[] used = new int[backboneClasses];
    for (int[] cs : classes) {
      for (int c : cs) {
        used[c]++;
      }
    }
    List<Integer> back = new ArrayList<>();
    for (int c = 0; c < backboneClasses; c++) {
      if (used[c] > 0) {
        compact[c] = count++;
        back.add(c);
      }
    }
    this.backboneClassOf = back.stream().mapToInt(Integer::intValue).toArray();
    int[] lab = new int[size];
    int n = 0;
    for (int i = 0; i < size; i++) {
      if (classes[i].length > 0) {
        lab[n++] = i;
      }
    }
    this.labelled = Arrays.copyOf(lab, n);
    int[][] multi = new int[n][];
    for (int j = 0; j < n; j++) {
      int[] cs = classes[labelled[j]];
      multi[j] = new int[cs.length];
      for (int k = 0; k < cs.length; k++) {
        multi[j][k] = compact[cs[k]];
      }
    }
    this.labels = Labels.multi(multi, Math.max(1, count));
  }

  /**
   * Derives labels from class scores.
   *
   * @param rows {@code n} rows of {@code rowDim} values; each row's scores are the
   *     {@code classes} values starting at {@code offset} (so the rows of a
   *     {@link dev.nhl.encoder.model.ModelContract#FEATURES_AND_SCORES} output are read in place, features first)
   * @throws IllegalArgumentException if the sizes do not fit the array, or a score is not finite
   */
  public static BackboneLabels derive(float[] rows, int n, int rowDim, int offset, int classes, Options options) {
    if (n < 0 || classes < 1 || offset < 0 || offset + classes > rowDim || (long) n * rowDim != rows.length) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "%d rows of %d values with %d scores at offset %d do not fit an array of %d values",
          n, rowDim, classes, offset, rows.length));
    }
    int[][] cs = new int[n][];
    float[][] ps = new float[n][];
    double[] p = new double[classes];
    for (int i = 0; i < n; i++) {
      probabilities(rows, i * rowDim + offset, classes, p, i);
      Integer[] order = new Integer[classes];
      for (int c = 0; c < classes; c++) {
        order[c] = c;
      }
      // ties in probability by class index, so that labels do not depend on the sort's stability
      Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
      int k = 0;
      while (k < options.maxLabels() && k < classes && p[order[k]] >= options.threshold()) {
        k++;
      }
      cs[i] = new int[k];
      ps[i] = new float[k];
      for (int j = 0; j < k; j++) {
        cs[i][j] = order[j];
        ps[i][j] = (float) p[order[j]];
      }
    }
    return new BackboneLabels(classes, cs, ps);
  }

  /** Logits through a softmax, or probabilities as they are. */
  private static void probabilities(float[] rows, int from, int classes, double[] out, int row) {
    boolean probabilities = true;
    double sum = 0;
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      float v = rows[from + c];
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException("score " + c + " of row " + row + " is " + v + "; scores must be finite");
      }
      probabilities &= v >= 0 && v <= 1;
      sum += v;
      max = Math.max(max, v);
    }
    if (probabilities && Math.abs(sum - 1) < 1e-3) {
      for (int c = 0; c < classes; c++) {
        out[c] = rows[from + c];
      }
      return;
    }
    double z = 0;
    for (int c = 0; c < classes; c++) {
      out[c] = Math.exp(rows[from + c] - max);
      z += out[c];
    }
    for (int c = 0; c < classes; c++) {
      out[c] /= z;
    }
  }

  /** Number of photos. */
  public int size() {
    return size;
  }

  /** Number of classes the backbone scores. */
  public int backboneClasses() {
    return backboneClasses;
  }

  /** The labels of photo {@code i} as backbone class indices, most probable first (empty when none reached the threshold). */
  public int[] classes(int i) {
    return classes[i].clone();
  }

  /** The probabilities of {@link #classes(int)}, in the same order. */
  public float[] probabilities(int i) {
    return probabilities[i].clone();
  }

  /** The positions of the photos that got at least one label, ascending. */
  public int[] labelled() {
    return labelled.clone();
  }

  /** The labels of the {@link #labelled()} photos, in that order, over the classes in use. */
  public Labels labels() {
    return labels;
  }

  /** The backbone class of label {@code label} of {@link #labels()}. */
  public int backboneClass(int label) {
    return backboneClassOf[label];
  }

  /** The mean number of labels of a labelled photo (0 when none is labelled). */
  public double labelsPerPhoto() {
    long sum = 0;
    for (int i : labelled) {
      sum += classes[i].length;
    }
    return labelled.length == 0 ? 0 : sum / (double) labelled.length;
  }

  /** Number of distinct classes in use. */
  public int classesInUse() {
    return backboneClassOf.length;
  }
}
