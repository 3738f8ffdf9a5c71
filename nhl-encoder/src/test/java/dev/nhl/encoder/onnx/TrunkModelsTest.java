package dev.nhl.encoder.onnx;

import static dev.nhl.encoder.onnx.TestModels.ENV;
import static dev.nhl.encoder.onnx.TestModels.assertClose;
import static dev.nhl.encoder.onnx.TestModels.mobilenet;
import static dev.nhl.encoder.onnx.TestModels.randomHead;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nhl.encoder.image.ImageDecoder;
import dev.nhl.encoder.image.Preprocessing;
import dev.nhl.encoder.model.ModelContract;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.encoder.training.Trunk;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.Seeded;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** MobileNetV2's last 1x1 convolution as a trainable trunk: read, cut before, and composed back in float. */
@ExtendWith(Seeded.class)
class TrunkModelsTest {

  /** Preprocessed tensors of a few Caltech-101 photos of two classes. */
  static float[] photos(int[] count) throws Exception {
    List<Path> files = new ArrayList<>(TestModels.caltech("accordion", 3));
    files.addAll(TestModels.caltech("brain", 3));
    Preprocessing p = Preprocessing.imagenet();
    float[] t = new float[files.size() * 3 * 224 * 224];
    for (int i = 0; i < files.size(); i++) {
      ImageDecoder.Pixels px = ImageDecoder.decode(files.get(i));
      p.tensor(px.rgb(), px.width(), px.height(), 3, t, i * 3 * 224 * 224);
    }
    count[0] = files.size();
    return t;
  }

  static OnnxTensor tensor(float[] images, int n) throws OrtException {
    return OnnxTensor.createTensor(ENV, FloatBuffer.wrap(images), new long[] {n, 3, 224, 224});
  }

  /** The stored maps the trunk input model gives, as bytes. */
  static byte[] maps(byte[] model, float[] images, int n) throws OrtException {
    try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor t = tensor(images, n);
        OrtSession.Result r = s.run(Map.of("input", t))) {
      ByteBuffer b = ((OnnxTensor) r.get(ModelContract.TRUNK_INPUT).orElseThrow()).getByteBuffer();
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    }
  }

  static float[] run(byte[] model, float[] images, int n, String output) throws OrtException {
    try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor t = tensor(images, n);
        OrtSession.Result r = s.run(Map.of("input", t))) {
      FloatBuffer b = ((OnnxTensor) r.get(output).orElseThrow()).getFloatBuffer();
      float[] out = new float[b.remaining()];
      b.get(out);
      return out;
    }
  }

  @Test
  void mobileNetsLastConvolutionIsTheTrunk() throws Exception {
    OnnxModels.TrunkSite site = OnnxModels.trunkSite(mobilenet(), "627");
    Trunk t = site.trunk();
    assertEquals("624_quantized", site.inputTensor());
    assertEquals(320, t.inputChannels());
    assertEquals(1280, t.outputChannels());
    assertEquals(49, t.positions());
    // the quantized output's range: ReLU6, from 0 to about 6
    assertEquals(0f, t.low(), 1e-6);
    assertTrue(t.high() > 5 && t.high() < 7, "clip top " + t.high());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxModels.trunkSite(mobilenet(), "output"));
    assertTrue(e.getMessage().contains("1x1 convolution"), e.getMessage());
  }

  /**
   * The trunk as read, run in Java on the maps the cut model gives, reproduces the backbone's own
   * pooled features within one step of their quantization (the backbone rounds its convolution's
   * output to 8 bits; the float trunk does not).
   */
  @Test
  void initialTrunkGivesTheBackbonesFeatures() throws Exception {
    byte[] backbone = mobilenet();
    OnnxModels.TrunkSite site = OnnxModels.trunkSite(backbone, "627");
    int[] n = new int[1];
    float[] images = photos(n);
    float[] java = site.trunk().features(site.dequantize(maps(OnnxModels.trunkInputs(backbone, site), images, n[0])));
    float[] own = run(OnnxModels.featureExtractor(backbone, "627"), images, n[0], ModelContract.FEATURES);
    assertEquals(own.length, java.length);
    double step = site.trunk().high() / 255;
    double max = 0;
    for (int i = 0; i < own.length; i++) {
      max = Math.max(max, Math.abs(own[i] - java[i]));
    }
    assertTrue(max <= step, "largest difference " + max + " against a quantization step of " + step);
  }

  /**
   * A trained trunk composed into the model gives, from images, what Java's trunk and head give
   * from the same images' maps.
   */
  @Test
  void composedTrunkMatchesJava(Random r) throws Exception {
    byte[] backbone = mobilenet();
    OnnxModels.TrunkSite site = OnnxModels.trunkSite(backbone, "627");
    Trunk initial = site.trunk();
    float[] w = initial.weights();
    float[] b = initial.bias();
    for (int i = 0; i < w.length; i++) {
      w[i] += (float) (r.nextGaussian() * 0.01);
    }
    for (int i = 0; i < b.length; i++) {
      b[i] += (float) (r.nextGaussian() * 0.1);
    }
    Trunk trained = new Trunk(320, 1280, 49, w, b, initial.low(), initial.high());
    NhlHead head = randomHead(r, CodeSpec.of(8, 16, 32, 64), 1280, 0);
    int[] n = new int[1];
    float[] images = photos(n);
    float[] java = head.outputs(trained.features(site.dequantize(maps(OnnxModels.trunkInputs(backbone, site), images, n[0]))));
    byte[] composed = OnnxModels.compose(backbone, site, trained, head);
    float[] ort = run(composed, images, n[0], ModelContract.OUTPUTS);
    assertClose(java, ort, 1e-4, "composed trunk and head");
    try (OrtSession s = ENV.createSession(composed, new OrtSession.SessionOptions())) {
      Map<String, String> meta = s.getMetadata().getCustomMetadata();
      assertEquals("8,16,32,64", meta.get(ModelContract.SPEC_KEY));
      assertEquals("624_quantized", meta.get(ModelContract.TRUNK_INPUT_KEY));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxModels.compose(backbone, site, trained, randomHead(r, CodeSpec.of(8), 1000, 0)));
    assertTrue(e.getMessage().contains("1280 features"), e.getMessage());
  }
}
