package dev.nhl.encoder.onnx;

import static dev.nhl.encoder.onnx.TestModels.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.nhl.encoder.Device;
import dev.nhl.encoder.FeatureEncoder;
import dev.nhl.encoder.model.ModelContract;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.Seeded;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(Seeded.class)
class OnnxModelsTest {

  @Test
  void exportedHeadMatchesTheJavaForwardPass(Random r) throws Exception {
    for (int hidden : new int[] {0, 24}) {
      CodeSpec spec = CodeSpec.of(8, 16, 32);
      int dim = 40;
      NhlHead head = randomHead(r, spec, dim, hidden);
      int rows = 9;
      float[] x = gaussian(r, rows * dim, 5);
      byte[] model = OnnxModels.head(head);
      float[] onnx = run(model, ModelContract.FEATURES, x, new long[] {rows, dim}, ModelContract.OUTPUTS);
      assertClose(head.outputs(x), onnx, 1e-5, "hidden=" + hidden);
      try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions())) {
        assertEquals("8,16,32", s.getMetadata().getCustomMetadata().get(ModelContract.SPEC_KEY));
      }
    }
  }

  @Test
  void headRoundTrips(Random r) throws Exception {
    for (int hidden : new int[] {0, 7}) {
      NhlHead head = randomHead(r, CodeSpec.of(8, 24), 13, hidden);
      NhlHead back = OnnxModels.readHead(OnnxModels.head(head));
      assertEquals(head.spec(), back.spec());
      assertEquals(head.hiddenUnits(), back.hiddenUnits());
      float[] x = gaussian(r, 5 * 13, 4);
      assertClose(head.outputs(x), back.outputs(x), 1e-6, "hidden=" + hidden);
    }
    // the same model without its spec is no head
    UnknownFieldSet m = Proto.parse(ByteString.copyFrom(OnnxModels.head(randomHead(r, CodeSpec.of(8), 4, 0))), "model");
    byte[] noSpec = new Proto.Msg(m).clear(Proto.MODEL_METADATA_PROPS).build().toByteArray();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxModels.readHead(noSpec));
    assertTrue(e.getMessage().startsWith("not an NHL head model"), e.getMessage());
  }

  @Test
  void featureEncoderRunsAHeadModel(@TempDir Path dir, Random r) throws Exception {
    NhlHead head = randomHead(r, CodeSpec.of(8, 16), 20, 6);
    Path file = dir.resolve("head.onnx");
    OnnxModels.write(OnnxModels.head(head), file);
    // more rows than one inference batch
    float[] x = gaussian(r, (FeatureEncoder.BATCH + 37) * 20, 3);
    try (FeatureEncoder enc = FeatureEncoder.open(file, Device.AUTO)) {
      assertEquals(20, enc.inputDim());
      assertEquals(head.spec(), enc.spec());
      assertClose(head.outputs(x), enc.outputs(x), 1e-5, "outputs");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> enc.outputs(new float[21]));
      assertEquals("expected rows of 20 features, got 21 values", e.getMessage());
    }
    Path extractor = dir.resolve("features.onnx");
    OnnxModels.write(OnnxModels.featureExtractor(mobilenet(), "627"), extractor);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureEncoder.open(extractor, Device.CPU));
    assertTrue(e.getMessage().contains("expected one float input [N, D]"), e.getMessage());
  }

  @Test
  void writeIsAtomicAndReadable(@TempDir Path dir, Random r) throws Exception {
    NhlHead head = randomHead(r, CodeSpec.of(8), 4, 0);
    Path file = dir.resolve("head.onnx");
    OnnxModels.write(OnnxModels.head(head), file);
    OnnxModels.write(OnnxModels.head(head), file);
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary file is left behind");
    }
    try (OrtSession s = ENV.createSession(file.toString(), new OrtSession.SessionOptions())) {
      assertTrue(s.getOutputNames().contains(ModelContract.OUTPUTS));
    }
  }

  @Test
  void featureExtractorPoolsTheFeatureMap(Random r) throws Exception {
    byte[] backbone = mobilenet();
    float[] images = gaussian(r, 2 * 3 * 224 * 224, 1);
    long[] shape = {2, 3, 224, 224};
    float[] map = run(exposing(backbone, "627"), "input", images, shape, "627");
    assertEquals(2 * 1280 * 49, map.length);
    float[] pooled = new float[2 * 1280];
    for (int i = 0; i < pooled.length; i++) {
      double s = 0;
      for (int p = 0; p < 49; p++) {
        s += map[i * 49 + p];
      }
      pooled[i] = (float) (s / 49);
    }
    byte[] extractor = OnnxModels.featureExtractor(backbone, "627");
    assertClose(pooled, run(extractor, "input", images, shape, ModelContract.FEATURES), 1e-5, "pooled features");
    assertTrue(extractor.length < backbone.length, "the classifier after the feature map is dropped");
  }

  /** image → composed model → codes equals image → backbone features → Java head → codes. */
  @Test
  void composedModelEqualsBackboneThenJavaHead(Random r) throws Exception {
    byte[] backbone = mobilenet();
    NhlHead head = randomHead(r, CodeSpec.of(8, 16, 32, 64, 128), 1280, 0);
    float[] images = gaussian(r, 3 * 3 * 224 * 224, 1);
    long[] shape = {3, 3, 224, 224};
    float[] features = run(OnnxModels.featureExtractor(backbone, "627"), "input", images, shape, ModelContract.FEATURES);
    byte[] composed = OnnxModels.compose(backbone, "627", head);
    float[] outputs = run(composed, "input", images, shape, ModelContract.OUTPUTS);
    float[] javaOutputs = head.outputs(features);
    assertClose(javaOutputs, outputs, 1e-4, "outputs");
    byte[][] expected = head.encode(features);
    byte[][] actual = ModelContract.codes(outputs, 128);
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(expected[i], actual[i], "code of image " + i);
    }
    try (OrtSession s = ENV.createSession(composed, new OrtSession.SessionOptions())) {
      assertEquals(java.util.Set.of(ModelContract.OUTPUTS), s.getOutputNames());
      assertEquals("8,16,32,64,128", s.getMetadata().getCustomMetadata().get(ModelContract.SPEC_KEY));
      assertEquals("627", s.getMetadata().getCustomMetadata().get(ModelContract.FEATURE_TENSOR_KEY));
    }
  }

  @Test
  void clearErrors(Random r) throws Exception {
    byte[] backbone = mobilenet();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxModels.featureExtractor(backbone, "nope"));
    assertTrue(e.getMessage().contains("no tensor named 'nope'") && e.getMessage().contains("[output]"), e.getMessage());
    NhlHead wrongDim = randomHead(r, CodeSpec.of(8), 512, 0);
    e = assertThrows(IllegalArgumentException.class, () -> OnnxModels.compose(backbone, "627", wrongDim));
    assertEquals("feature tensor '627' has 1280 channels but the head takes 512 features", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> OnnxModels.featureExtractor(new byte[] {1, 2, 3}, "627"));
    assertTrue(e.getMessage().startsWith("not a valid ONNX model") || e.getMessage().startsWith("not an ONNX model"), e.getMessage());
  }
}
