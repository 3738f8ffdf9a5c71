package dev.nhl.encoder.training;

import dev.nhl.encoder.model.ModelContract;
import dev.nhl.index.CodeSpec;

/**
 * A trained Nested Hash Layer head: features in, nested codes out. One linear layer {@code W f +
 * b} with {@code spec.maxBits()} outputs, optionally after a shared hidden layer ({@code ReLU(W1 f
 * + b1)}) for inputs such as raw pixels. The code of length {@code K} is the sign of the first
 * {@code K} outputs, so every shorter code is a prefix of the longer ones. Inputs are standardised
 * first ({@code (f - mean) / scale}, from the training data).
 *
 * <p>Immutable and thread-safe. Export with {@code OnnxModels.head}; a model composed with a
 * backbone by {@code OnnxModels.compose} gives the same outputs from images.
 */
public final class NhlHead {

  private final CodeSpec spec;
  private final int inputDim;
  private final int hidden;
  private final float[] inputMean;
  private final float inputScale;
  // hidden x inputDim, hidden; empty when there is no hidden layer
  private final float[] w1;
  private final float[] b1;
  // maxBits x width, maxBits, where width is hidden or inputDim
  private final float[] w;
  private final float[] b;

  /**
   * A head from its parameters, as a model file stores them (see {@code OnnxModels.head}); arrays
   * are copied.
   *
   * @param spec the nested code lengths; {@code spec.maxBits()} outputs
   * @param inputDim number of input features
   * @param hidden units of the hidden layer, 0 for none
   * @param inputMean per-feature mean subtracted first
   * @param inputScale the standardised input is {@code (f - mean) / inputScale}
   * @param w1 hidden weights, {@code hidden x inputDim} row-major (empty when hidden is 0)
   * @param b1 hidden biases
   * @param w output weights, {@code maxBits x width} row-major, width the hidden units or inputDim
   * @param b output biases
   * @throws IllegalArgumentException if shapes disagree or the scale is not positive and finite
   */
  public NhlHead(CodeSpec spec, int inputDim, int hidden, float[] inputMean, float inputScale,
      float[] w1, float[] b1, float[] w, float[] b) {
    int width = hidden > 0 ? hidden : inputDim;
    if (inputMean.length != inputDim || w1.length != hidden * inputDim || b1.length != hidden
        || w.length != spec.maxBits() * width || b.length != spec.maxBits()) {
      throw new IllegalArgumentException("parameter shapes do not match: input " + inputDim
          + ", hidden " + hidden + ", outputs " + spec.maxBits());
    }
    if (!(inputScale > 0) || Float.isInfinite(inputScale)) {
      throw new IllegalArgumentException("input scale must be positive and finite, got " + inputScale);
    }
    this.spec = spec;
    this.inputDim = inputDim;
    this.hidden = hidden;
    this.inputMean = inputMean.clone();
    this.inputScale = inputScale;
    this.w1 = w1.clone();
    this.b1 = b1.clone();
    this.w = w.clone();
    this.b = b.clone();
  }

  /** The nested code lengths. */
  public CodeSpec spec() {
    return spec;
  }

  /** Number of input features. */
  public int inputDim() {
    return inputDim;
  }

  /** Units of the hidden layer, 0 when there is none. */
  public int hiddenUnits() {
    return hidden;
  }

  /** Inputs of the output layer: the hidden units, or the input features without a hidden layer. */
  public int width() {
    return hidden > 0 ? hidden : inputDim;
  }

  /**
   * The continuous outputs of a batch, {@code rows x spec().maxBits()} row-major.
   *
   * @param features {@code rows x inputDim()} row-major
   * @throws IllegalArgumentException if {@code features.length} is not a multiple of the input
   *     dimension, or a feature is not finite
   */
  public float[] outputs(float[] features) {
    if (features.length == 0 || features.length % inputDim != 0) {
      throw new IllegalArgumentException("expected rows of " + inputDim + " features, got "
          + features.length + " values");
    }
    int rows = features.length / inputDim;
    float[] x = standardise(features, rows);
    float[] h = x;
    if (hidden > 0) {
      h = new float[rows * hidden];
      Linalg.gemmNT(x, rows, inputDim, w1, hidden, h, false);
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < hidden; j++) {
          int i = r * hidden + j;
          h[i] = Math.max(0f, h[i] + b1[j]);
        }
      }
    }
    int out = spec.maxBits();
    float[] u = new float[rows * out];
    Linalg.gemmNT(h, rows, width(), w, out, u, false);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < out; j++) {
        u[r * out + j] += b[j];
      }
    }
    return u;
  }

  float[] standardise(float[] features, int rows) {
    float[] x = new float[features.length];
    float inv = 1f / inputScale;
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < inputDim; j++) {
        float f = features[r * inputDim + j];
        if (!Float.isFinite(f)) {
          throw new IllegalArgumentException("feature " + j + " of row " + r + " is " + f + "; features must be finite");
        }
        x[r * inputDim + j] = (f - inputMean[j]) * inv;
      }
    }
    return x;
  }

  /**
   * The nested codes of a batch, one {@code spec().maxBytes()}-byte code per row in nhl-index's
   * layout: bit i is 1 when output i is positive.
   *
   * @param features {@code rows x inputDim()} row-major
   */
  public byte[][] encode(float[] features) {
    return ModelContract.codes(outputs(features), spec.maxBits());
  }

  /**
   * Binarises continuous outputs, {@code bits} per row, into codes (bit i set when output i is positive).
   *
   * @deprecated use {@link ModelContract#codes}, the one binarisation runtime and training share.
   */
  @Deprecated(since = "0.2")
  public static byte[][] codes(float[] outputs, int bits) {
    return ModelContract.codes(outputs, bits);
  }

  /** The per-feature input mean (a copy). */
  public float[] inputMean() {
    return inputMean.clone();
  }

  /** The input scale: standardised inputs are {@code (f - mean) / scale}. */
  public float inputScale() {
    return inputScale;
  }

  /** Hidden weights, {@code hiddenUnits() x inputDim()} row-major (a copy; empty without a hidden layer). */
  public float[] hiddenWeights() {
    return w1.clone();
  }

  /** Hidden biases (a copy). */
  public float[] hiddenBias() {
    return b1.clone();
  }

  /** Output weights, {@code spec().maxBits() x width()} row-major (a copy). */
  public float[] outputWeights() {
    return w.clone();
  }

  /** Output biases (a copy). */
  public float[] outputBias() {
    return b.clone();
  }
}
