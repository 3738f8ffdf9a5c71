package dev.nhl.encoder.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.nhl.encoder.model.ModelContract;
import dev.nhl.encoder.training.BackboneLabels;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.encoder.training.Trunk;
import dev.nhl.encoder.training.TrunkMaps;
import dev.nhl.index.CodeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ONNX models of NHL heads, alone or composed with a backbone, read and written in Java.
 *
 * <ul>
 *   <li>{@link #head}: input {@value ModelContract#FEATURES} {@code float[N, D]}, output {@value ModelContract#OUTPUTS}
 *       {@code float[N, maxBits]}, the head's continuous outputs (a code bit is 1 where its output
 *       is positive).
 *   <li>{@link #featureExtractor}: a backbone cut at one of its internal tensors, pooled when
 *       spatial; output {@value ModelContract#FEATURES} {@code float[N, C]}. What a head is trained on.
 *   <li>{@link #featureExtractor(byte[], String, String)}: the same with the backbone's class
 *       scores appended, output {@value ModelContract#FEATURES_AND_SCORES} {@code float[N, C + S]}: what
 *       {@link BackboneLabels} derives labels from when photos carry none.
 *   <li>{@link #compose}: the two joined, from the backbone's image input to {@value ModelContract#OUTPUTS}.
 * </ul>
 *
 * <p>Models with a head record its code spec in the metadata property {@value ModelContract#SPEC_KEY} (for
 * example {@code 8,16,32,64,128}), which {@code ImageEncoder} reads. The backbone's nodes that
 * the feature tensor does not depend on are dropped, and so are its original outputs.
 */
public final class OnnxModels {

  /** @deprecated use {@link ModelContract#FEATURES}. */
  @Deprecated(since = "0.2")
  public static final String FEATURES = ModelContract.FEATURES;
  /** @deprecated use {@link ModelContract#OUTPUTS}. */
  @Deprecated(since = "0.2")
  public static final String OUTPUTS = ModelContract.OUTPUTS;
  /** @deprecated use {@link ModelContract#SPEC_KEY}. */
  @Deprecated(since = "0.2")
  public static final String SPEC_KEY = ModelContract.SPEC_KEY;
  /** @deprecated use {@link ModelContract#FEATURE_TENSOR_KEY}. */
  @Deprecated(since = "0.2")
  public static final String FEATURE_TENSOR_KEY = ModelContract.FEATURE_TENSOR_KEY;
  /** @deprecated use {@link ModelContract#FEATURES_AND_SCORES}. */
  @Deprecated(since = "0.2")
  public static final String FEATURES_AND_SCORES = ModelContract.FEATURES_AND_SCORES;
  /** @deprecated use {@link ModelContract#SCORE_TENSOR_KEY}. */
  @Deprecated(since = "0.2")
  public static final String SCORE_TENSOR_KEY = ModelContract.SCORE_TENSOR_KEY;

  static final long HEAD_OPSET = 13;
  static final long HEAD_IR_VERSION = 7;
  /** Gemm, Sub and Mul with broadcasting, Relu, GlobalAveragePool and Flatten are all in opset 7. */
  static final long MIN_BACKBONE_OPSET = 7;

  private OnnxModels() {}

  /** The head alone: {@value ModelContract#FEATURES} {@code [N, inputDim]} to {@value ModelContract#OUTPUTS}. */
  public static byte[] head(NhlHead head) {
    List<Proto.Msg> nodes = new ArrayList<>();
    List<Proto.Msg> inits = new ArrayList<>();
    appendHead(head, ModelContract.FEATURES, nodes, inits);
    Proto.Msg graph = new Proto.Msg().str(Proto.GRAPH_NAME, "nhl_head");
    nodes.forEach(n -> graph.msg(Proto.GRAPH_NODE, n));
    inits.forEach(i -> graph.msg(Proto.GRAPH_INITIALIZER, i));
    graph.msg(Proto.GRAPH_INPUT, Proto.floatValueInfo(ModelContract.FEATURES, null, (long) head.inputDim()));
    graph.msg(Proto.GRAPH_OUTPUT, Proto.floatValueInfo(ModelContract.OUTPUTS, null, (long) head.spec().maxBits()));
    Proto.Msg model = new Proto.Msg()
        .num(Proto.MODEL_IR_VERSION, HEAD_IR_VERSION)
        .str(Proto.MODEL_PRODUCER_NAME, "nhl")
        .msg(Proto.MODEL_OPSET_IMPORT, new Proto.Msg().str(Proto.OPSET_DOMAIN, "").num(Proto.OPSET_VERSION, HEAD_OPSET))
        .msg(Proto.MODEL_GRAPH, graph);
    metadata(model, Map.of(ModelContract.SPEC_KEY, head.spec().toString()));
    return model.build().toByteArray();
  }

  /**
   * Reads back a head written by {@link #head} (or the head part of {@link #compose}).
   *
   * @throws IllegalArgumentException if the model lacks the head's tensors or its code spec
   */
  public static NhlHead readHead(byte[] model) {
    UnknownFieldSet m = Proto.parse(ByteString.copyFrom(model), "model");
    Map<String, String> meta = new HashMap<>();
    for (UnknownFieldSet e : Proto.parsedMessages(m, Proto.MODEL_METADATA_PROPS, "metadata entry")) {
      meta.put(Proto.string(e, Proto.ENTRY_KEY), Proto.string(e, Proto.ENTRY_VALUE));
    }
    CodeSpec spec = spec(meta);
    List<ByteString> graphs = Proto.messages(m, Proto.MODEL_GRAPH);
    if (spec == null || graphs.isEmpty()) {
      throw new IllegalArgumentException("not an NHL head model: no " + ModelContract.SPEC_KEY + " metadata or no graph");
    }
    Map<String, float[]> tensors = new HashMap<>();
    for (UnknownFieldSet t : Proto.parsedMessages(Proto.parse(graphs.get(0), "graph"), Proto.GRAPH_INITIALIZER, "initializer")) {
      String name = Proto.string(t, Proto.TENSOR_NAME);
      if (name.startsWith("nhl_")) {
        if (Proto.varint(t, Proto.TENSOR_DATA_TYPE, 0) != Proto.DATA_TYPE_FLOAT || !t.hasField(Proto.TENSOR_RAW_DATA)) {
          throw new IllegalArgumentException("head tensor '" + name + "' is not stored as raw float data");
        }
        ByteString raw = Proto.messages(t, Proto.TENSOR_RAW_DATA).get(0);
        float[] f = new float[raw.size() / 4];
        raw.asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        tensors.put(name, f);
      }
    }
    for (String need : List.of("nhl_mean", "nhl_inv_scale", "nhl_w", "nhl_b")) {
      if (!tensors.containsKey(need)) {
        throw new IllegalArgumentException("not an NHL head model: tensor '" + need + "' is missing");
      }
    }
    float[] mean = tensors.get("nhl_mean");
    float[] w1 = tensors.getOrDefault("nhl_w1", new float[0]);
    float[] b1 = tensors.getOrDefault("nhl_b1", new float[0]);
    return new NhlHead(spec, mean.length, b1.length, mean, 1f / tensors.get("nhl_inv_scale")[0], w1, b1,
        tensors.get("nhl_w"), tensors.get("nhl_b"));
  }

  /**
   * A backbone cut at an internal tensor: its output {@value ModelContract#FEATURES} is that tensor, global
   * average pooled when it is a feature map {@code [N, C, H, W]}.
   *
   * @param backbone the backbone's ONNX model
   * @param featureTensor the name of the tensor to cut at
   * @throws IllegalArgumentException if the model cannot be parsed, has no such tensor, or the
   *     tensor is not of rank 2 or 4
   */
  public static byte[] featureExtractor(byte[] backbone, String featureTensor) {
    Cut cut = cut(backbone, featureTensor, null);
    cut.graph.msg(Proto.GRAPH_OUTPUT, Proto.floatValueInfo(ModelContract.FEATURES, null, cut.channels));
    return cut.finish(Map.of(ModelContract.FEATURE_TENSOR_KEY, featureTensor)).toByteArray();
  }

  /**
   * The number of features a backbone cut at {@code featureTensor} gives: the channels of that
   * tensor, which is where {@value ModelContract#FEATURES_AND_SCORES} splits into features and scores.
   *
   * @throws IllegalArgumentException as {@link #featureExtractor(byte[], String)}
   */
  public static int featureDim(byte[] backbone, String featureTensor) {
    return Math.toIntExact(cut(backbone, featureTensor, null).channels);
  }

  /**
   * A backbone cut at an internal tensor that also keeps its class scores: output
   * {@value ModelContract#FEATURES_AND_SCORES} is {@code [N, C + S]}, the {@code C} features of
   * {@link #featureExtractor(byte[], String)} followed by the {@code S} values of
   * {@code scoreTensor} (for MobileNetV2, its output {@code output}: 1000 ImageNet logits). One
   * pass over the photos gives both what a head is trained on and what its labels are derived
   * from.
   *
   * @param scoreTensor a float tensor of shape {@code [N, S]}, for example the model's output
   * @throws IllegalArgumentException as {@link #featureExtractor(byte[], String)}, or if the
   *     score tensor is missing or not of shape {@code [N, S]}
   */
  public static byte[] featureExtractor(byte[] backbone, String featureTensor, String scoreTensor) {
    Cut cut = cut(backbone, featureTensor, scoreTensor);
    cut.checkFree(List.of(ModelContract.FEATURES_AND_SCORES));
    cut.graph.msg(Proto.GRAPH_NODE, Proto.node("Concat", "nhl_concat", List.of(ModelContract.FEATURES, scoreTensor),
        List.of(ModelContract.FEATURES_AND_SCORES)).msg(Proto.NODE_ATTRIBUTE, Proto.intAttribute("axis", 1)));
    cut.graph.msg(Proto.GRAPH_OUTPUT, Proto.floatValueInfo(ModelContract.FEATURES_AND_SCORES, null, cut.channels + cut.scores));
    return cut.finish(Map.of(ModelContract.FEATURE_TENSOR_KEY, featureTensor, ModelContract.SCORE_TENSOR_KEY, scoreTensor)).toByteArray();
  }

  /**
   * A backbone and a head in one model: the backbone's input to {@value ModelContract#OUTPUTS}.
   *
   * @throws IllegalArgumentException as {@link #featureExtractor}, or if the tensor's channels
   *     differ from the head's input dimension
   */
  public static byte[] compose(byte[] backbone, String featureTensor, NhlHead head) {
    Cut cut = cut(backbone, featureTensor, null);
    if (cut.channels != head.inputDim()) {
      throw new IllegalArgumentException("feature tensor '" + featureTensor + "' has " + cut.channels
          + " channels but the head takes " + head.inputDim() + " features");
    }
    List<Proto.Msg> nodes = new ArrayList<>();
    List<Proto.Msg> inits = new ArrayList<>();
    appendHead(head, ModelContract.FEATURES, nodes, inits);
    cut.checkFree(List.of("nhl_mean", "nhl_inv_scale", "nhl_centred", "nhl_standardised", "nhl_w1", "nhl_b1",
        "nhl_hidden_linear", "nhl_hidden", "nhl_w", "nhl_b", ModelContract.OUTPUTS));
    nodes.forEach(n -> cut.graph.msg(Proto.GRAPH_NODE, n));
    inits.forEach(i -> cut.graph.msg(Proto.GRAPH_INITIALIZER, i));
    cut.graph.msg(Proto.GRAPH_OUTPUT, Proto.floatValueInfo(ModelContract.OUTPUTS, null, (long) head.spec().maxBits()));
    return cut.finish(Map.of(ModelContract.SPEC_KEY, head.spec().toString(), ModelContract.FEATURE_TENSOR_KEY, featureTensor)).toByteArray();
  }

  /**
   * Where a backbone's trainable trunk sits and what it starts from: the 1x1 convolution whose
   * output, dequantized, is the feature tensor (MobileNetV2-int8: {@code 627} from the 320-channel
   * map {@code 624_quantized}), read as a float {@link Trunk} (weights and biases dequantized, the
   * clip being the range the convolution's quantized output can hold: its ReLU6).
   *
   * @param inputTensor the quantized map the convolution reads, {@code [N, in, H, W]}
   * @param featureTensor the tensor the convolution's output becomes, before pooling
   * @param inputScale the map's quantization scale: a stored value q stands for {@code (q -
   *     zeroPoint) * scale}
   * @param inputZeroPoint the map's zero point
   * @param signed whether the map's values are int8 (uint8 otherwise)
   * @param trunk the convolution as the backbone has it
   */
  public record TrunkSite(String inputTensor, String featureTensor, float inputScale, int inputZeroPoint,
      boolean signed, Trunk trunk) {

    /**
     * Dequantizes maps as the model does: {@code rows x in x H x W} stored values to floats.
     *
     * @param stored values as the trunk input model gives them (int8 or uint8 bytes)
     */
    public float[] dequantize(byte[] stored) {
      return TrunkMaps.dequantize(stored, inputScale, inputZeroPoint, signed);
    }
  }

  /**
   * Finds the trunk behind a feature tensor: the tensor must be the dequantized output of a
   * quantized 1x1 convolution ({@code QLinearConv} with one group, then {@code DequantizeLinear}).
   *
   * @throws IllegalArgumentException if the model cannot be parsed, has no such tensor, or the
   *     tensor does not come from such a convolution
   */
  public static TrunkSite trunkSite(byte[] backbone, String featureTensor) {
    UnknownFieldSet model = Proto.parse(ByteString.copyFrom(backbone), "model");
    List<ByteString> graphs = Proto.messages(model, Proto.MODEL_GRAPH);
    if (graphs.isEmpty()) {
      throw new IllegalArgumentException("not an ONNX model: it has no graph (" + backbone.length + " bytes)");
    }
    UnknownFieldSet graph = Proto.parse(graphs.get(graphs.size() - 1), "graph");
    Map<String, UnknownFieldSet> producer = new HashMap<>();
    for (UnknownFieldSet n : Proto.parsedMessages(graph, Proto.GRAPH_NODE, "node")) {
      for (String o : Proto.strings(n, Proto.NODE_OUTPUT)) {
        producer.put(o, n);
      }
    }
    Map<String, UnknownFieldSet> inits = new HashMap<>();
    for (UnknownFieldSet t : Proto.parsedMessages(graph, Proto.GRAPH_INITIALIZER, "initializer")) {
      inits.put(Proto.string(t, Proto.TENSOR_NAME), t);
    }
    UnknownFieldSet deq = producer.get(featureTensor);
    String why = "to train the trunk, feature tensor '" + featureTensor
        + "' must be the dequantized output of a quantized 1x1 convolution (QLinearConv, then DequantizeLinear)";
    if (deq == null || !Proto.string(deq, Proto.NODE_OP_TYPE).equals("DequantizeLinear")) {
      throw new IllegalArgumentException(why + "; it comes from " + (deq == null ? "no node" : Proto.string(deq, Proto.NODE_OP_TYPE)));
    }
    UnknownFieldSet conv = producer.get(Proto.strings(deq, Proto.NODE_INPUT).get(0));
    List<String> in = conv == null ? List.of() : Proto.strings(conv, Proto.NODE_INPUT);
    if (conv == null || !Proto.string(conv, Proto.NODE_OP_TYPE).equals("QLinearConv") || in.size() < 8) {
      throw new IllegalArgumentException(why + "; its input comes from "
          + (conv == null ? "no node" : Proto.string(conv, Proto.NODE_OP_TYPE)));
    }
    for (UnknownFieldSet a : Proto.parsedMessages(conv, Proto.NODE_ATTRIBUTE, "attribute")) {
      if (Proto.string(a, Proto.ATTR_NAME).equals("group") && Proto.varint(a, Proto.ATTR_I, 1) != 1) {
        throw new IllegalArgumentException(why + "; the convolution is grouped");
      }
    }
    for (int i = 1; i < in.size(); i++) {
      if (!in.get(i).isEmpty() && !inits.containsKey(in.get(i))) {
        throw new IllegalArgumentException(why + "; its parameter '" + in.get(i) + "' is not a constant");
      }
    }
    UnknownFieldSet wt = inits.get(in.get(3));
    List<Long> dims = wt.hasField(Proto.TENSOR_DIMS) ? wt.getField(Proto.TENSOR_DIMS).getVarintList() : List.of();
    if (dims.size() != 4 || dims.get(2) != 1 || dims.get(3) != 1) {
      throw new IllegalArgumentException(why + "; its kernel has shape " + dims);
    }
    int out = Math.toIntExact(dims.get(0));
    int channels = Math.toIntExact(dims.get(1));
    double xScale = Proto.values(inits.get(in.get(1)))[0];
    UnknownFieldSet xZp = inits.get(in.get(2));
    double[] wq = Proto.values(wt);
    double[] wScale = Proto.values(inits.get(in.get(4)));
    double[] wZp = Proto.values(inits.get(in.get(5)));
    double yScale = Proto.values(inits.get(in.get(6)))[0];
    UnknownFieldSet yZp = inits.get(in.get(7));
    double[] bias = in.size() > 8 && !in.get(8).isEmpty() ? Proto.values(inits.get(in.get(8))) : new double[out];
    float[] w = new float[out * channels];
    float[] b = new float[out];
    for (int o = 0; o < out; o++) {
      double s = wScale[wScale.length == 1 ? 0 : o];
      double z = wZp[wZp.length == 1 ? 0 : o];
      for (int c = 0; c < channels; c++) {
        w[o * channels + c] = (float) ((wq[o * channels + c] - z) * s);
      }
      // the bias is int32 at the scale of input times weight
      b[o] = (float) (bias[o] * xScale * s);
    }
    boolean ySigned = Proto.varint(yZp, Proto.TENSOR_DATA_TYPE, 0) == Proto.DATA_TYPE_INT8;
    double yz = Proto.values(yZp)[0];
    float low = (float) (((ySigned ? -128 : 0) - yz) * yScale);
    float high = (float) (((ySigned ? 127 : 255) - yz) * yScale);
    long[] shape = cut(backbone, in.get(0), null, false).shape;
    Trunk trunk = new Trunk(channels, out, Math.toIntExact(shape[2] * shape[3]), w, b, low, high);
    return new TrunkSite(in.get(0), featureTensor, (float) xScale, (int) Proto.values(xZp)[0],
        Proto.varint(xZp, Proto.TENSOR_DATA_TYPE, 0) == Proto.DATA_TYPE_INT8, trunk);
  }

  /** @deprecated use {@link ModelContract#TRUNK_INPUT}. */
  @Deprecated(since = "0.2")
  public static final String TRUNK_INPUT = ModelContract.TRUNK_INPUT;

  /**
   * The backbone cut before its trunk: output {@value ModelContract#TRUNK_INPUT} is the quantized map the trunk
   * reads, {@code [N, in, H, W]} as stored (uint8 or int8; {@link TrunkSite#dequantize} turns it
   * into floats). What a trunk is trained on.
   */
  public static byte[] trunkInputs(byte[] backbone, TrunkSite site) {
    Cut cut = cut(backbone, site.inputTensor(), null, false);
    cut.checkFree(List.of(ModelContract.TRUNK_INPUT));
    cut.graph.msg(Proto.GRAPH_NODE, Proto.node("Identity", "nhl_trunk_input", List.of(site.inputTensor()), List.of(ModelContract.TRUNK_INPUT)));
    cut.graph.msg(Proto.GRAPH_OUTPUT, Proto.valueInfo(ModelContract.TRUNK_INPUT,
        site.signed() ? Proto.DATA_TYPE_INT8 : Proto.DATA_TYPE_UINT8, null, cut.shape[1], cut.shape[2], cut.shape[3]));
    return cut.finish(Map.of(ModelContract.FEATURE_TENSOR_KEY, site.featureTensor())).toByteArray();
  }

  /**
   * A backbone, a trained trunk in place of its own and a head in one model: the backbone's input
   * to {@value ModelContract#OUTPUTS}. The trunk runs in float: the map is dequantized, then the trunk's 1x1
   * convolution, clip and pooling, then the head; its outputs equal {@link Trunk#features} followed
   * by {@link NhlHead#outputs} up to float rounding.
   *
   * @throws IllegalArgumentException as {@link #trunkSite}, or if the trunk or head do not fit
   */
  public static byte[] compose(byte[] backbone, TrunkSite site, Trunk trunk, NhlHead head) {
    Cut cut = cut(backbone, site.inputTensor(), null, false);
    if (cut.shape[1] != trunk.inputChannels() || cut.shape[2] * cut.shape[3] != trunk.positions()) {
      throw new IllegalArgumentException("the trunk reads " + trunk.inputChannels() + " channels at " + trunk.positions()
          + " places but '" + site.inputTensor() + "' has shape " + Arrays.toString(cut.shape));
    }
    if (trunk.outputChannels() != head.inputDim()) {
      throw new IllegalArgumentException("the trunk gives " + trunk.outputChannels() + " features but the head takes "
          + head.inputDim());
    }
    List<String> names = new ArrayList<>(List.of("nhl_trunk_scale", "nhl_trunk_zero_point", "nhl_trunk_in", "nhl_trunk_w",
        "nhl_trunk_b", "nhl_trunk_conv", "nhl_trunk_low", "nhl_trunk_high", "nhl_trunk_act", "nhl_trunk_pooled", ModelContract.FEATURES,
        "nhl_mean", "nhl_inv_scale", "nhl_centred", "nhl_standardised", "nhl_w1", "nhl_b1", "nhl_hidden_linear",
        "nhl_hidden", "nhl_w", "nhl_b", ModelContract.OUTPUTS));
    cut.checkFree(names);
    Proto.Msg g = cut.graph;
    g.msg(Proto.GRAPH_INITIALIZER, Proto.floatTensor("nhl_trunk_scale", new float[] {site.inputScale()}));
    g.msg(Proto.GRAPH_INITIALIZER, Proto.byteTensor("nhl_trunk_zero_point",
        site.signed() ? Proto.DATA_TYPE_INT8 : Proto.DATA_TYPE_UINT8, new byte[] {(byte) site.inputZeroPoint()}));
    g.msg(Proto.GRAPH_NODE, Proto.node("DequantizeLinear", "nhl_trunk_dequantize",
        List.of(site.inputTensor(), "nhl_trunk_scale", "nhl_trunk_zero_point"), List.of("nhl_trunk_in")));
    g.msg(Proto.GRAPH_INITIALIZER, Proto.floatTensor("nhl_trunk_w", trunk.weights(), trunk.outputChannels(),
        trunk.inputChannels(), 1, 1));
    g.msg(Proto.GRAPH_INITIALIZER, Proto.floatTensor("nhl_trunk_b", trunk.bias(), trunk.outputChannels()));
    g.msg(Proto.GRAPH_NODE, Proto.node("Conv", "nhl_trunk_convolution", List.of("nhl_trunk_in", "nhl_trunk_w", "nhl_trunk_b"),
        List.of("nhl_trunk_conv")));
    g.msg(Proto.GRAPH_INITIALIZER, Proto.floatTensor("nhl_trunk_low", new float[] {trunk.low()}));
    g.msg(Proto.GRAPH_INITIALIZER, Proto.floatTensor("nhl_trunk_high", new float[] {trunk.high()}));
    g.msg(Proto.GRAPH_NODE, Proto.node("Clip", "nhl_trunk_clip", List.of("nhl_trunk_conv", "nhl_trunk_low", "nhl_trunk_high"),
        List.of("nhl_trunk_act")));
    g.msg(Proto.GRAPH_NODE, Proto.node("GlobalAveragePool", "nhl_trunk_pool", List.of("nhl_trunk_act"),
        List.of("nhl_trunk_pooled")));
    g.msg(Proto.GRAPH_NODE, Proto.node("Flatten", "nhl_trunk_flatten", List.of("nhl_trunk_pooled"), List.of(ModelContract.FEATURES))
        .msg(Proto.NODE_ATTRIBUTE, Proto.intAttribute("axis", 1)));
    List<Proto.Msg> nodes = new ArrayList<>();
    List<Proto.Msg> inits = new ArrayList<>();
    appendHead(head, ModelContract.FEATURES, nodes, inits);
    nodes.forEach(n -> g.msg(Proto.GRAPH_NODE, n));
    inits.forEach(i -> g.msg(Proto.GRAPH_INITIALIZER, i));
    g.msg(Proto.GRAPH_OUTPUT, Proto.floatValueInfo(ModelContract.OUTPUTS, null, (long) head.spec().maxBits()));
    return cut.finish(Map.of(ModelContract.SPEC_KEY, head.spec().toString(), ModelContract.FEATURE_TENSOR_KEY, site.featureTensor(),
        ModelContract.TRUNK_INPUT_KEY, site.inputTensor())).toByteArray();
  }

  /** @deprecated use {@link ModelContract#TRUNK_INPUT_KEY}. */
  @Deprecated(since = "0.2")
  public static final String TRUNK_INPUT_KEY = ModelContract.TRUNK_INPUT_KEY;

  /**
   * Writes a model atomically: to a temporary file beside the target, then moved into place, so
   * that a reader never sees half a model.
   */
  public static void write(byte[] model, Path file) throws IOException {
    Path abs = file.toAbsolutePath();
    // a sibling with the file's default permissions (a temp file would be private to its owner)
    Path tmp = abs.resolveSibling(abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
    try {
      Files.write(tmp, model, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * The code spec recorded in a model's metadata, or null when the model carries none.
   *
   * @deprecated use {@link ModelContract#spec}.
   */
  @Deprecated(since = "0.2")
  public static CodeSpec spec(Map<String, String> metadata) {
    return ModelContract.spec(metadata);
  }

  private static void appendHead(NhlHead head, String input, List<Proto.Msg> nodes, List<Proto.Msg> inits) {
    int d = head.inputDim();
    // the same float operations as NhlHead.outputs: (f - mean) * (1 / scale)
    inits.add(Proto.floatTensor("nhl_mean", head.inputMean(), d));
    inits.add(Proto.floatTensor("nhl_inv_scale", new float[] {1f / head.inputScale()}, 1));
    nodes.add(Proto.node("Sub", "nhl_centre", List.of(input, "nhl_mean"), List.of("nhl_centred")));
    nodes.add(Proto.node("Mul", "nhl_scale", List.of("nhl_centred", "nhl_inv_scale"), List.of("nhl_standardised")));
    String x = "nhl_standardised";
    if (head.hiddenUnits() > 0) {
      int h = head.hiddenUnits();
      inits.add(Proto.floatTensor("nhl_w1", head.hiddenWeights(), h, d));
      inits.add(Proto.floatTensor("nhl_b1", head.hiddenBias(), h));
      nodes.add(Proto.node("Gemm", "nhl_hidden_gemm", List.of(x, "nhl_w1", "nhl_b1"), List.of("nhl_hidden_linear"))
          .msg(Proto.NODE_ATTRIBUTE, Proto.intAttribute("transB", 1)));
      nodes.add(Proto.node("Relu", "nhl_relu", List.of("nhl_hidden_linear"), List.of("nhl_hidden")));
      x = "nhl_hidden";
    }
    int k = head.spec().maxBits();
    inits.add(Proto.floatTensor("nhl_w", head.outputWeights(), k, head.width()));
    inits.add(Proto.floatTensor("nhl_b", head.outputBias(), k));
    nodes.add(Proto.node("Gemm", "nhl_nested_gemm", List.of(x, "nhl_w", "nhl_b"), List.of(ModelContract.OUTPUTS))
        .msg(Proto.NODE_ATTRIBUTE, Proto.intAttribute("transB", 1)));
  }

  private static void metadata(Proto.Msg model, Map<String, String> entries) {
    entries.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> model.msg(Proto.MODEL_METADATA_PROPS,
        new Proto.Msg().str(Proto.ENTRY_KEY, e.getKey()).str(Proto.ENTRY_VALUE, e.getValue())));
  }

  /** A backbone graph cut at its feature tensor, with {@value ModelContract#FEATURES} computed but no outputs yet. */
  private static final class Cut {
    final UnknownFieldSet model;
    final Proto.Msg graph;
    final long channels;
    // values of the score tensor kept beside the features, 0 when none is
    final long scores;
    final Set<String> names;
    // the shape of the tensor cut at
    final long[] shape;

    Cut(UnknownFieldSet model, Proto.Msg graph, long channels, long scores, Set<String> names, long[] shape) {
      this.model = model;
      this.graph = graph;
      this.channels = channels;
      this.scores = scores;
      this.names = names;
      this.shape = shape;
    }

    void checkFree(List<String> wanted) {
      for (String n : wanted) {
        if (names.contains(n)) {
          throw new IllegalArgumentException("the backbone already has a tensor named '" + n + "'");
        }
      }
    }

    UnknownFieldSet finish(Map<String, String> meta) {
      Proto.Msg m = new Proto.Msg(model).clear(Proto.MODEL_GRAPH).clear(Proto.MODEL_METADATA_PROPS);
      for (UnknownFieldSet e : Proto.parsedMessages(model, Proto.MODEL_METADATA_PROPS, "metadata entry")) {
        String key = Proto.string(e, Proto.ENTRY_KEY);
        if (!key.startsWith("nhl.")) {
          m.bytes(Proto.MODEL_METADATA_PROPS, e.toByteString());
        }
      }
      metadata(m, meta);
      return m.msg(Proto.MODEL_GRAPH, graph).build();
    }
  }

  /** The backbone cut at {@code tensor}, also keeping what {@code scoreTensor} needs when it is not null. */
  private static Cut cut(byte[] backbone, String tensor, String scoreTensor) {
    return cut(backbone, tensor, scoreTensor, true);
  }

  /**
   * The backbone cut at {@code tensor}; with {@code features} the cut computes {@value ModelContract#FEATURES}
   * from it (pooled when it is a map), without it the tensor is left as it is for the caller.
   */
  private static Cut cut(byte[] backbone, String tensor, String scoreTensor, boolean features) {
    UnknownFieldSet model = Proto.parse(ByteString.copyFrom(backbone), "model");
    List<ByteString> graphs = Proto.messages(model, Proto.MODEL_GRAPH);
    if (graphs.isEmpty()) {
      throw new IllegalArgumentException("not an ONNX model: it has no graph (" + backbone.length + " bytes)");
    }
    checkOpset(model);
    UnknownFieldSet graph = Proto.parse(graphs.get(graphs.size() - 1), "graph");
    List<UnknownFieldSet> nodes = Proto.parsedMessages(graph, Proto.GRAPH_NODE, "node");
    Map<String, Integer> producer = new HashMap<>();
    Set<String> names = new HashSet<>();
    boolean subgraphs = false;
    for (int i = 0; i < nodes.size(); i++) {
      for (String o : Proto.strings(nodes.get(i), Proto.NODE_OUTPUT)) {
        producer.put(o, i);
        names.add(o);
      }
      for (UnknownFieldSet a : Proto.parsedMessages(nodes.get(i), Proto.NODE_ATTRIBUTE, "attribute")) {
        subgraphs |= a.hasField(Proto.ATTR_G) || a.hasField(Proto.ATTR_GRAPHS);
      }
    }
    Set<String> graphInputs = new HashSet<>();
    for (UnknownFieldSet v : Proto.parsedMessages(graph, Proto.GRAPH_INPUT, "input")) {
      graphInputs.add(Proto.string(v, Proto.VALUE_NAME));
    }
    names.addAll(graphInputs);
    List<UnknownFieldSet> inits = Proto.parsedMessages(graph, Proto.GRAPH_INITIALIZER, "initializer");
    for (UnknownFieldSet t : inits) {
      names.add(Proto.string(t, Proto.TENSOR_NAME));
    }
    List<String> wanted = scoreTensor == null ? List.of(tensor) : List.of(tensor, scoreTensor);
    for (String t : wanted) {
      if (!producer.containsKey(t) && !graphInputs.contains(t)) {
        throw new IllegalArgumentException("the model has no tensor named '" + t + "'; its graph outputs are "
            + Proto.parsedMessages(graph, Proto.GRAPH_OUTPUT, "output").stream().map(v -> Proto.string(v, Proto.VALUE_NAME)).toList()
            + " and it has " + producer.size() + " node outputs");
      }
    }
    for (String n : List.of(ModelContract.FEATURES, "nhl_pooled")) {
      if (names.contains(n)) {
        throw new IllegalArgumentException("the backbone already has a tensor named '" + n + "'");
      }
    }
    long[] shape = shape(model, graph, tensor);
    long scores = 0;
    if (scoreTensor != null) {
      long[] s = shape(model, graph, scoreTensor);
      if (s.length != 2 || s[1] <= 0) {
        throw new IllegalArgumentException("score tensor '" + scoreTensor + "' has shape " + Arrays.toString(s)
            + "; expected [N, S] with S known");
      }
      scores = s[1];
    }
    // keep the nodes the tensor depends on (all of them when control-flow subgraphs may read
    // outer names that this walk cannot see)
    boolean[] keep = new boolean[nodes.size()];
    if (subgraphs) {
      Arrays.fill(keep, true);
    } else {
      Deque<String> todo = new ArrayDeque<>(wanted);
      Set<String> seen = new HashSet<>();
      while (!todo.isEmpty()) {
        String t = todo.pop();
        Integer p = producer.get(t);
        if (!seen.add(t) || p == null || keep[p]) {
          continue;
        }
        keep[p] = true;
        todo.addAll(Proto.strings(nodes.get(p), Proto.NODE_INPUT));
      }
    }
    Set<String> used = new HashSet<>();
    Proto.Msg g = new Proto.Msg(graph).clear(Proto.GRAPH_NODE).clear(Proto.GRAPH_INITIALIZER)
        .clear(Proto.GRAPH_OUTPUT).clear(Proto.GRAPH_VALUE_INFO).clear(Proto.GRAPH_INPUT);
    for (int i = 0; i < nodes.size(); i++) {
      if (keep[i]) {
        g.bytes(Proto.GRAPH_NODE, nodes.get(i).toByteString());
        used.addAll(Proto.strings(nodes.get(i), Proto.NODE_INPUT));
        used.addAll(Proto.strings(nodes.get(i), Proto.NODE_OUTPUT));
      }
    }
    used.addAll(wanted);
    for (UnknownFieldSet t : inits) {
      if (used.contains(Proto.string(t, Proto.TENSOR_NAME))) {
        g.bytes(Proto.GRAPH_INITIALIZER, t.toByteString());
      }
    }
    for (UnknownFieldSet v : Proto.parsedMessages(graph, Proto.GRAPH_INPUT, "input")) {
      if (used.contains(Proto.string(v, Proto.VALUE_NAME))) {
        g.bytes(Proto.GRAPH_INPUT, v.toByteString());
      }
    }
    for (UnknownFieldSet v : Proto.parsedMessages(graph, Proto.GRAPH_VALUE_INFO, "value info")) {
      if (used.contains(Proto.string(v, Proto.VALUE_NAME))) {
        g.bytes(Proto.GRAPH_VALUE_INFO, v.toByteString());
      }
    }
    long channels;
    if (!features) {
      if (shape.length != 4 || shape[1] <= 0 || shape[2] <= 0 || shape[3] <= 0) {
        throw new IllegalArgumentException("tensor '" + tensor + "' has shape " + Arrays.toString(shape)
            + "; expected a map [N, C, H, W] of known C, H and W");
      }
      return new Cut(model, g, shape[1], 0, names, shape);
    }
    if (shape.length == 4) {
      g.msg(Proto.GRAPH_NODE, Proto.node("GlobalAveragePool", "nhl_pool", List.of(tensor), List.of("nhl_pooled")));
      g.msg(Proto.GRAPH_NODE, Proto.node("Flatten", "nhl_flatten", List.of("nhl_pooled"), List.of(ModelContract.FEATURES))
          .msg(Proto.NODE_ATTRIBUTE, Proto.intAttribute("axis", 1)));
    } else if (shape.length == 2) {
      g.msg(Proto.GRAPH_NODE, Proto.node("Identity", "nhl_features", List.of(tensor), List.of(ModelContract.FEATURES)));
    } else {
      throw new IllegalArgumentException("feature tensor '" + tensor + "' has shape " + Arrays.toString(shape)
          + "; expected [N, C] or [N, C, H, W]");
    }
    channels = shape[1];
    if (channels <= 0) {
      throw new IllegalArgumentException("feature tensor '" + tensor + "' has shape " + Arrays.toString(shape)
          + ": its channel count must be known");
    }
    return new Cut(model, g, channels, scores, names, shape);
  }

  private static void checkOpset(UnknownFieldSet model) {
    for (UnknownFieldSet o : Proto.parsedMessages(model, Proto.MODEL_OPSET_IMPORT, "opset import")) {
      String domain = Proto.string(o, Proto.OPSET_DOMAIN);
      if (domain.isEmpty() || domain.equals("ai.onnx")) {
        long v = Proto.varint(o, Proto.OPSET_VERSION, 0);
        if (v < MIN_BACKBONE_OPSET) {
          throw new IllegalArgumentException("the backbone imports ONNX opset " + v + "; at least "
              + MIN_BACKBONE_OPSET + " is needed");
        }
        return;
      }
    }
    throw new IllegalArgumentException("the backbone imports no default ONNX opset");
  }

  /**
   * The shape of a tensor: from the graph's value infos when they have it, otherwise by asking
   * ONNX Runtime to load the graph with that tensor as its output (it infers shapes on load).
   */
  private static long[] shape(UnknownFieldSet model, UnknownFieldSet graph, String tensor) {
    Proto.Msg probe = new Proto.Msg(graph).clear(Proto.GRAPH_OUTPUT);
    // a graph output keeps its declared type and shape; any other tensor is named, and inferred
    UnknownFieldSet declared = null;
    for (UnknownFieldSet v : Proto.parsedMessages(graph, Proto.GRAPH_OUTPUT, "output")) {
      if (Proto.string(v, Proto.VALUE_NAME).equals(tensor)) {
        declared = v;
      }
    }
    if (declared != null) {
      probe.bytes(Proto.GRAPH_OUTPUT, declared.toByteString());
    } else {
      probe.msg(Proto.GRAPH_OUTPUT, new Proto.Msg().str(Proto.VALUE_NAME, tensor));
    }
    byte[] bytes = new Proto.Msg(model).clear(Proto.MODEL_GRAPH).msg(Proto.MODEL_GRAPH, probe).build().toByteArray();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
      try (OrtSession session = env.createSession(bytes, opts)) {
        NodeInfo info = session.getOutputInfo().get(tensor);
        if (info == null || !(info.getInfo() instanceof TensorInfo ti)) {
          throw new IllegalArgumentException("tensor '" + tensor + "' is not a tensor");
        }
        return ti.getShape();
      }
    } catch (OrtException e) {
      throw new IllegalArgumentException("ONNX Runtime cannot load the backbone cut at '" + tensor + "': " + e.getMessage(), e);
    }
  }
}
