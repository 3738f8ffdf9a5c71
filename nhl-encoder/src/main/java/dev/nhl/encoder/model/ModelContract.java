package dev.nhl.encoder.model;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import java.util.Map;

/**
 * What an nhl model file promises to the code that runs it: the names of its tensors, the
 * metadata properties it carries, and how its continuous outputs become codes. Writers of models
 * ({@code dev.nhl.encoder.onnx.OnnxModels}) and their readers ({@code dev.nhl.encoder.ImageEncoder},
 * {@code FeatureEncoder}) both hold to it, so that neither needs the other.
 *
 * <ul>
 *   <li>A head's input, and a feature extractor's output: {@value #FEATURES}, {@code float[N, D]}.
 *   <li>A model with a head: output {@value #OUTPUTS}, {@code float[N, maxBits]}; its code spec in
 *       the metadata property {@value #SPEC_KEY} (for example {@code 8,16,32,64,128}); the backbone
 *       tensor its features come from in {@value #FEATURE_TENSOR_KEY}.
 *   <li>A feature extractor with the backbone's class scores: output {@value
 *       #FEATURES_AND_SCORES}, {@code float[N, C + S]}, the scores' tensor in {@value
 *       #SCORE_TENSOR_KEY}.
 *   <li>A backbone cut before its trunk: output {@value #TRUNK_INPUT}; a model whose trunk was
 *       trained names the tensor the trunk reads in {@value #TRUNK_INPUT_KEY}.
 *   <li>Codes: bit {@code i} of a code is 1 when output {@code i} is positive; a code of {@code K}
 *       bits is the first {@code K} outputs, so every shorter code is a prefix of the longer ones.
 * </ul>
 */
public final class ModelContract {

  /** Name of a head's input and of a feature extractor's output. */
  public static final String FEATURES = "features";
  /** Name of the continuous outputs of a model with a head. */
  public static final String OUTPUTS = "nhl_outputs";
  /** Metadata property holding the code spec. */
  public static final String SPEC_KEY = "nhl.spec";
  /** Metadata property naming the backbone tensor the features come from. */
  public static final String FEATURE_TENSOR_KEY = "nhl.feature_tensor";
  /** Name of the output of a feature extractor that also gives the backbone's class scores. */
  public static final String FEATURES_AND_SCORES = "nhl_features_scores";
  /** Metadata property naming the backbone tensor the class scores come from. */
  public static final String SCORE_TENSOR_KEY = "nhl.score_tensor";
  /** Name of the output of a backbone cut before its trunk: the maps the trunk reads. */
  public static final String TRUNK_INPUT = "nhl_trunk_input";
  /** Metadata property naming the backbone tensor a trained trunk reads, in a model composed with one. */
  public static final String TRUNK_INPUT_KEY = "nhl.trunk_input";

  private ModelContract() {}

  /**
   * The code spec recorded in a model's metadata ({@link #SPEC_KEY}), or null when the model
   * carries none (a plain feature extractor).
   *
   * @throws IllegalArgumentException if the property is there but is not a code spec
   */
  public static CodeSpec spec(Map<String, String> metadata) {
    String s = metadata.get(SPEC_KEY);
    return s == null ? null : CodeSpec.parse(s);
  }

  /**
   * Binarises continuous outputs, {@code bits} per row, into codes in nhl-index's layout (bit
   * {@code i} set when output {@code i} is positive).
   *
   * @throws IllegalArgumentException if {@code bits} is not positive or does not divide the outputs
   */
  public static byte[][] codes(float[] outputs, int bits) {
    if (bits <= 0 || outputs.length % bits != 0) {
      throw new IllegalArgumentException("expected rows of " + bits + " outputs, got " + outputs.length + " values");
    }
    int rows = outputs.length / bits;
    byte[][] codes = new byte[rows][];
    float[] row = new float[bits];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(outputs, r * bits, row, 0, bits);
      codes[r] = Codes.fromFloats(row);
    }
    return codes;
  }
}
