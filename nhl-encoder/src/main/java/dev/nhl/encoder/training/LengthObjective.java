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

  /** {@code log(1 + e^x)} without overflow. */
  static double softplus(double x) {
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }

  static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }
}
