package dev.nhl.encoder;

import java.util.Locale;

/**
 * Where ONNX Runtime inference runs. The default build carries ONNX Runtime's CPU artifact; the
 * Maven profile {@code gpu} swaps in {@code onnxruntime_gpu}, whose CUDA provider needs a CUDA GPU
 * with the CUDA and cuDNN versions ONNX Runtime documents.
 */
public enum Device {
  /** CUDA when the build has it and a GPU answers, CPU otherwise. */
  AUTO,
  /** CPU only. */
  CPU,
  /** CUDA, or an error when it cannot be had. */
  CUDA;

  /**
   * The system property {@code nhl.encoder.device} ({@code auto}, {@code cpu} or {@code cuda}),
   * AUTO when unset.
   *
   * @throws IllegalArgumentException for any other value
   */
  public static Device fromProperty() {
    String p = System.getProperty("nhl.encoder.device", "auto").strip();
    try {
      return valueOf(p.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("nhl.encoder.device must be auto, cpu or cuda, got '" + p + "'", e);
    }
  }
}
