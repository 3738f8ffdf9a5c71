/**
 * Encoding with trained models: {@link dev.nhl.encoder.ImageEncoder} turns image files into nested
 * codes (decoding on several threads, inference in batches), {@link dev.nhl.encoder.FeatureEncoder}
 * turns feature vectors into codes, and {@link dev.nhl.encoder.Device} chooses where ONNX Runtime
 * runs them (CUDA when the GPU build finds a GPU, the CPU otherwise).
 *
 * <p>The concerns behind them have their own packages: {@link dev.nhl.encoder.training} trains
 * Nested Hash Layer heads, {@link dev.nhl.encoder.onnx} reads, writes and composes ONNX models, and
 * {@link dev.nhl.encoder.image} decodes and preprocesses images.
 */
package dev.nhl.encoder;
