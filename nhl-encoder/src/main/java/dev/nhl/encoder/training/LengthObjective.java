package dev.nhl.encoder.training;

/**
 * The training objective of one code length, applied to that length's prefix of the layer's
 * outputs. One instance per length: centres, memory banks and the like are its own.
 */
interface LengthObjective {

  /** Code length this objective trains. */
  int bits();

  /**
   * Records a batch's latest outputs before its loss is taken (objectives with a memory bank of
   * the training set's outputs); a no-op for the others.
   *
   * @param u outputs, {@code rows x bits()} row-major
   * @param items training-set index of each row
   */
  default void record(float[] u, int rows, int[] items) {}

  /**
   * The loss of a batch, with its gradient with respect to {@code u}.
   *
   * @param u outputs, {@code rows x bits()} row-major
   * @param items training-set index of each row
   * @param grad receives {@code dLoss/du}, {@code rows x bits()}, overwritten
   */
  double lossAndGradient(float[] u, int rows, int[] items, float[] grad);

  /**
   * {@code log(1 + e^x)} without overflow. {@code Math.log(1 + e)} with {@code e} in {@code (0,
   * 1]}: log is an intrinsic, log1p is not, and the two differ by less than 1e-16 there.
   */
  static double softplus(double x) {
    double e = Math.exp(-Math.abs(x));
    return Math.max(x, 0) + Math.log(1 + e);
  }

  static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }
}
