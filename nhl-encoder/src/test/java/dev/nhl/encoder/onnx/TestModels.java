package dev.nhl.encoder.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.nhl.encoder.model.ModelContract;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.index.CodeSpec;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Models and checks the encoder's tests share: random heads, the shared MobileNetV2, tiny image models. */
public final class TestModels {

  private TestModels() {}

  public static final Path MOBILENET = Path.of("../../shared/models/mobilenetv2-12-int8.onnx");
  public static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  public static NhlHead randomHead(Random r, CodeSpec spec, int dim, int hidden) {
    int width = hidden > 0 ? hidden : dim;
    float[] mean = gaussian(r, dim, 3);
    return new NhlHead(spec, dim, hidden, mean, 0.5f + r.nextFloat() * 4,
        gaussian(r, hidden * dim, 1 / Math.sqrt(dim)), gaussian(r, hidden, 0.1),
        gaussian(r, spec.maxBits() * width, 1 / Math.sqrt(width)), gaussian(r, spec.maxBits(), 0.1));
  }

  public static float[] gaussian(Random r, int n, double sd) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (r.nextGaussian() * sd);
    }
    return x;
  }

  /** Runs a model's single input on {@code input} with the given shape; returns the named output. */
  public static float[] run(byte[] model, String inputName, float[] input, long[] shape, String output) throws OrtException {
    try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(input), shape);
        OrtSession.Result res = s.run(Map.of(inputName, t))) {
      OnnxTensor out = (OnnxTensor) res.get(output).orElseThrow();
      FloatBuffer fb = out.getFloatBuffer();
      float[] a = new float[fb.remaining()];
      fb.get(a);
      return a;
    }
  }

  public static void assertClose(float[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], tol * Math.max(1, Math.abs(expected[i])), what + ": value " + i);
    }
  }

  /** The backbone with one internal tensor as its only output, built here independently of the cut. */
  public static byte[] exposing(byte[] model, String tensor) {
    UnknownFieldSet m = Proto.parse(ByteString.copyFrom(model), "model");
    UnknownFieldSet g = Proto.parse(Proto.messages(m, Proto.MODEL_GRAPH).get(0), "graph");
    Proto.Msg graph = new Proto.Msg(g).clear(Proto.GRAPH_OUTPUT).msg(Proto.GRAPH_OUTPUT, new Proto.Msg().str(Proto.VALUE_NAME, tensor));
    return new Proto.Msg(m).clear(Proto.MODEL_GRAPH).msg(Proto.MODEL_GRAPH, graph).build().toByteArray();
  }

  public static byte[] mobilenet() throws IOException {
    assumeTrue(Files.isRegularFile(MOBILENET), "no MobileNetV2 model at " + MOBILENET.toAbsolutePath());
    return Files.readAllBytes(MOBILENET);
  }

  /**
   * A 1-channel 8x8 image model: the head (no hidden layer) over the flattened pixels, reshaped from
   * [N, 1, 8, 8] to [N, 64] by a Flatten node in front.
   */
  public static byte[] tinyImageModel(Random r) {
    NhlHead head = randomHead(r, CodeSpec.of(8, 16), 64, 0);
    com.google.protobuf.UnknownFieldSet m = Proto.parse(com.google.protobuf.ByteString.copyFrom(OnnxModels.head(head)), "model");
    com.google.protobuf.UnknownFieldSet g = Proto.parse(Proto.messages(m, Proto.MODEL_GRAPH).get(0), "graph");
    Proto.Msg graph = new Proto.Msg(g).clear(Proto.GRAPH_INPUT).clear(Proto.GRAPH_NODE);
    graph.msg(Proto.GRAPH_NODE, Proto.node("Flatten", "flat", List.of("image"), List.of(ModelContract.FEATURES))
        .msg(Proto.NODE_ATTRIBUTE, Proto.intAttribute("axis", 1)));
    for (com.google.protobuf.ByteString n : Proto.messages(g, Proto.GRAPH_NODE)) {
      graph.bytes(Proto.GRAPH_NODE, n);
    }
    graph.msg(Proto.GRAPH_INPUT, Proto.floatValueInfo("image", null, 1L, 8L, 8L));
    return new Proto.Msg(m).clear(Proto.MODEL_GRAPH).msg(Proto.MODEL_GRAPH, graph).build().toByteArray();
  }


  /** Caltech-101 photos of the shared data set, or the test is skipped when it is absent. */
  static final Path CALTECH = Path.of("../../shared/data/caltech101/101_ObjectCategories");

  /** The first {@code n} photos of a Caltech-101 class, in name order. */
  public static List<Path> caltech(String cls, int n) throws IOException {
    Path d = CALTECH.resolve(cls);
    assumeTrue(Files.isDirectory(d), "no Caltech-101 at " + CALTECH.toAbsolutePath());
    try (var s = Files.list(d)) {
      return s.sorted().limit(n).toList();
    }
  }

}
