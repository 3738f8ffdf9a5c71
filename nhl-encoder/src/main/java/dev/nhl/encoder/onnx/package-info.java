/**
 * ONNX model files: {@link dev.nhl.encoder.onnx.OnnxModels} writes a trained head as a model,
 * reads it back, cuts a backbone at its feature tensor, and composes backbone and head into one
 * model that maps images to codes, with the code lengths in the model's metadata. Models are
 * edited as protobuf messages without generated ONNX classes, so any operator the backbone uses
 * passes through untouched.
 */
package dev.nhl.encoder.onnx;
