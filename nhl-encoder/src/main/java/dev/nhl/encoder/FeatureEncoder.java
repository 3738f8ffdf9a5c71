package dev.nhl.encoder;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.nhl.encoder.model.ModelContract;
import dev.nhl.index.CodeSpec;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Runs a head model ({@code OnnxModels.head}: features {@code [N, D]} in, outputs out) in ONNX
 * Runtime and binarises its outputs into nested codes: for features computed elsewhere, or raw
 * pixels. Thread-safe; close it to free the session.
 */
public final class FeatureEncoder implements AutoCloseable {

  /** Rows per inference call. */
  /** Rows per inference call: {@link #outputs} runs larger inputs in slices of this many rows. */
  public static final int BATCH = 1024;

  private final OrtEnvironment env;
  private final OrtSession session;
  private final Device provider;
  private final String inputName;
  private final int inputDim;
  private final CodeSpec spec;

  private FeatureEncoder(OrtSession session, Device provider, String name) throws OrtException {
    this.env = OrtEnvironment.getEnvironment();
    this.session = session;
    this.provider = provider;
    Map<String, NodeInfo> inputs = session.getInputInfo();
    NodeInfo in = inputs.size() == 1 ? inputs.values().iterator().next() : null;
    long[] shape = in != null && in.getInfo() instanceof TensorInfo t && t.type == OnnxJavaType.FLOAT ? t.getShape() : null;
    if (shape == null || shape.length != 2 || shape[1] <= 0) {
      throw new IllegalArgumentException(name + ": expected one float input [N, D], got " + inputs.keySet());
    }
    this.inputName = in.getName();
    this.inputDim = (int) shape[1];
    this.spec = ModelContract.spec(session.getMetadata().getCustomMetadata());
    if (spec == null || !session.getOutputNames().contains(ModelContract.OUTPUTS)) {
      throw new IllegalArgumentException(name + ": not an NHL head model (needs output " + ModelContract.OUTPUTS
          + " and metadata " + ModelContract.SPEC_KEY + "), outputs " + session.getOutputNames());
    }
  }

  /**
   * Opens a head model.
   *
   * @throws java.nio.file.NoSuchFileException if the file is missing
   * @throws IOException if ONNX Runtime cannot load it
   * @throws IllegalArgumentException if it is not a head model
   */
  public static FeatureEncoder open(Path model, Device device) throws IOException {
    return OrtSessions.openFile(model, device, (session, used) -> new FeatureEncoder(session, used, model.toString()));
  }

  /** The code spec of the model. */
  public CodeSpec spec() {
    return spec;
  }

  /** Features per row. */
  public int inputDim() {
    return inputDim;
  }

  /** The provider inference runs on. */
  public Device provider() {
    return provider;
  }

  /**
   * The continuous outputs, {@code rows x spec().maxBits()}.
   *
   * @param features {@code rows x inputDim()} row-major
   * @throws IllegalArgumentException if the length is not a positive multiple of the input dimension
   */
  public float[] outputs(float[] features) {
    if (features.length == 0 || features.length % inputDim != 0) {
      throw new IllegalArgumentException("expected rows of " + inputDim + " features, got " + features.length + " values");
    }
    int rows = features.length / inputDim;
    int out = spec.maxBits();
    float[] result = new float[rows * out];
    for (int from = 0; from < rows; from += BATCH) {
      int n = Math.min(BATCH, rows - from);
      float[] chunk = Arrays.copyOfRange(features, from * inputDim, (from + n) * inputDim);
      try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(chunk), new long[] {n, inputDim});
          OrtSession.Result r = session.run(Map.of(inputName, t), Set.of(ModelContract.OUTPUTS))) {
        ((OnnxTensor) r.get(0)).getFloatBuffer().get(result, from * out, n * out);
      } catch (OrtException e) {
        throw new IllegalStateException("inference failed: " + e.getMessage(), e);
      }
    }
    return result;
  }

  /** The nested codes of the rows, in nhl-index's layout. */
  public byte[][] encode(float[] features) {
    return ModelContract.codes(outputs(features), spec.maxBits());
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the ONNX Runtime session", e);
    }
  }
}
