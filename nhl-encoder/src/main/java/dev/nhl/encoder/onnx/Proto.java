package dev.nhl.encoder.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The few ONNX protobuf messages and fields that export and composition touch, read and written at
 * the wire level with protobuf-java's {@link UnknownFieldSet}: every field this code does not
 * know is carried over byte for byte. Field numbers are those of {@code onnx.proto}.
 */
final class Proto {

  // ModelProto
  static final int MODEL_IR_VERSION = 1;
  static final int MODEL_PRODUCER_NAME = 2;
  static final int MODEL_GRAPH = 7;
  static final int MODEL_OPSET_IMPORT = 8;
  static final int MODEL_METADATA_PROPS = 14;
  // OperatorSetIdProto
  static final int OPSET_DOMAIN = 1;
  static final int OPSET_VERSION = 2;
  // StringStringEntryProto
  static final int ENTRY_KEY = 1;
  static final int ENTRY_VALUE = 2;
  // GraphProto
  static final int GRAPH_NODE = 1;
  static final int GRAPH_NAME = 2;
  static final int GRAPH_INITIALIZER = 5;
  static final int GRAPH_INPUT = 11;
  static final int GRAPH_OUTPUT = 12;
  static final int GRAPH_VALUE_INFO = 13;
  static final int GRAPH_SPARSE_INITIALIZER = 15;
  // NodeProto
  static final int NODE_INPUT = 1;
  static final int NODE_OUTPUT = 2;
  static final int NODE_NAME = 3;
  static final int NODE_OP_TYPE = 4;
  static final int NODE_ATTRIBUTE = 5;
  static final int NODE_DOMAIN = 7;
  // AttributeProto
  static final int ATTR_NAME = 1;
  static final int ATTR_I = 3;
  static final int ATTR_G = 6;
  static final int ATTR_GRAPHS = 11;
  static final int ATTR_TYPE = 20;
  static final int ATTR_TYPE_INT = 2;
  // TensorProto
  static final int TENSOR_DIMS = 1;
  static final int TENSOR_DATA_TYPE = 2;
  static final int TENSOR_NAME = 8;
  static final int TENSOR_FLOAT_DATA = 4;
  static final int TENSOR_INT32_DATA = 5;
  static final int TENSOR_INT64_DATA = 7;
  static final int TENSOR_RAW_DATA = 9;
  static final int DATA_TYPE_FLOAT = 1;
  static final int DATA_TYPE_UINT8 = 2;
  static final int DATA_TYPE_INT8 = 3;
  static final int DATA_TYPE_INT32 = 6;
  static final int DATA_TYPE_INT64 = 7;
  // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, Dimension
  static final int VALUE_NAME = 1;
  static final int VALUE_TYPE = 2;
  static final int TYPE_TENSOR = 1;
  static final int TENSOR_TYPE_ELEM = 1;
  static final int TENSOR_TYPE_SHAPE = 2;
  static final int SHAPE_DIM = 1;
  static final int DIM_VALUE = 1;
  static final int DIM_PARAM = 2;

  private Proto() {}

  static UnknownFieldSet parse(ByteString bytes, String what) {
    try {
      return UnknownFieldSet.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a valid ONNX " + what + ": " + e.getMessage(), e);
    }
  }

  static List<ByteString> messages(UnknownFieldSet m, int field) {
    return m.hasField(field) ? m.getField(field).getLengthDelimitedList() : List.of();
  }

  static List<UnknownFieldSet> parsedMessages(UnknownFieldSet m, int field, String what) {
    List<UnknownFieldSet> out = new ArrayList<>();
    for (ByteString b : messages(m, field)) {
      out.add(parse(b, what));
    }
    return out;
  }

  static List<String> strings(UnknownFieldSet m, int field) {
    List<String> out = new ArrayList<>();
    for (ByteString b : messages(m, field)) {
      out.add(b.toStringUtf8());
    }
    return out;
  }

  static String string(UnknownFieldSet m, int field) {
    List<ByteString> l = messages(m, field);
    return l.isEmpty() ? "" : l.get(l.size() - 1).toStringUtf8();
  }

  static long varint(UnknownFieldSet m, int field, long missing) {
    if (!m.hasField(field) || m.getField(field).getVarintList().isEmpty()) {
      return missing;
    }
    List<Long> l = m.getField(field).getVarintList();
    return l.get(l.size() - 1);
  }

  /**
   * The values of a tensor of floats or integers (uint8, int8, int32, int64) as doubles, from its
   * raw data or its typed data field, packed or not.
   *
   * @throws IllegalArgumentException for another data type, or a count that disagrees with the dims
   */
  static double[] values(UnknownFieldSet tensor) {
    String name = string(tensor, TENSOR_NAME);
    int type = (int) varint(tensor, TENSOR_DATA_TYPE, 0);
    long count = 1;
    if (tensor.hasField(TENSOR_DIMS)) {
      for (long d : tensor.getField(TENSOR_DIMS).getVarintList()) {
        count *= d;
      }
    }
    double[] out;
    List<ByteString> raw = messages(tensor, TENSOR_RAW_DATA);
    if (!raw.isEmpty()) {
      ByteBuffer b = raw.get(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      int width = switch (type) {
        case DATA_TYPE_FLOAT, DATA_TYPE_INT32 -> 4;
        case DATA_TYPE_UINT8, DATA_TYPE_INT8 -> 1;
        case DATA_TYPE_INT64 -> 8;
        default -> throw new IllegalArgumentException("tensor '" + name + "' has data type " + type
            + "; expected float, uint8, int8, int32 or int64");
      };
      out = new double[b.remaining() / width];
      for (int i = 0; i < out.length; i++) {
        out[i] = switch (type) {
          case DATA_TYPE_FLOAT -> b.getFloat(i * 4);
          case DATA_TYPE_INT32 -> b.getInt(i * 4);
          case DATA_TYPE_UINT8 -> b.get(i) & 0xFF;
          case DATA_TYPE_INT8 -> b.get(i);
          default -> b.getLong(i * 8);
        };
      }
    } else {
      int field = switch (type) {
        case DATA_TYPE_FLOAT -> TENSOR_FLOAT_DATA;
        case DATA_TYPE_UINT8, DATA_TYPE_INT8, DATA_TYPE_INT32 -> TENSOR_INT32_DATA;
        case DATA_TYPE_INT64 -> TENSOR_INT64_DATA;
        default -> throw new IllegalArgumentException("tensor '" + name + "' has data type " + type
            + "; expected float, uint8, int8, int32 or int64");
      };
      List<Double> v = new ArrayList<>();
      if (tensor.hasField(field)) {
        UnknownFieldSet.Field f = tensor.getField(field);
        for (int x : f.getFixed32List()) {
          v.add((double) Float.intBitsToFloat(x));
        }
        for (long x : f.getVarintList()) {
          v.add(type == DATA_TYPE_INT64 ? (double) x : (double) (int) x);
        }
        for (ByteString packed : f.getLengthDelimitedList()) {
          com.google.protobuf.CodedInputStream in = packed.newCodedInput();
          try {
            while (!in.isAtEnd()) {
              double x = type == DATA_TYPE_FLOAT ? in.readFloat() : type == DATA_TYPE_INT64 ? in.readInt64() : in.readInt32();
              v.add(x);
            }
          } catch (java.io.IOException e) {
            throw new IllegalArgumentException("tensor '" + name + "' has malformed packed data", e);
          }
        }
      }
      out = v.stream().mapToDouble(Double::doubleValue).toArray();
    }
    if (out.length != count) {
      throw new IllegalArgumentException("tensor '" + name + "' holds " + out.length + " values for " + count + " elements");
    }
    return out;
  }

  /** A tensor's value info of any element type; a null dimension is symbolic, named {@code N}. */
  static Msg valueInfo(String name, int elemType, Long... dims) {
    Msg shape = new Msg();
    for (Long d : dims) {
      shape.msg(SHAPE_DIM, d == null ? new Msg().str(DIM_PARAM, "N") : new Msg().num(DIM_VALUE, d));
    }
    Msg tensor = new Msg().num(TENSOR_TYPE_ELEM, elemType).msg(TENSOR_TYPE_SHAPE, shape);
    return new Msg().str(VALUE_NAME, name).msg(VALUE_TYPE, new Msg().msg(TYPE_TENSOR, tensor));
  }

  /** A message under construction. */
  static final class Msg {
    final UnknownFieldSet.Builder b;

    Msg() {
      this.b = UnknownFieldSet.newBuilder();
    }

    Msg(UnknownFieldSet from) {
      this.b = UnknownFieldSet.newBuilder(from);
    }

    Msg str(int field, String value) {
      b.mergeLengthDelimitedField(field, ByteString.copyFrom(value, StandardCharsets.UTF_8));
      return this;
    }

    Msg bytes(int field, ByteString value) {
      b.mergeLengthDelimitedField(field, value);
      return this;
    }

    Msg msg(int field, Msg value) {
      return bytes(field, value.build().toByteString());
    }

    Msg num(int field, long value) {
      b.mergeField(field, UnknownFieldSet.Field.newBuilder().addVarint(value).build());
      return this;
    }

    Msg clear(int field) {
      b.clearField(field);
      return this;
    }

    UnknownFieldSet build() {
      return b.build();
    }
  }

  static Msg node(String opType, String name, List<String> inputs, List<String> outputs) {
    Msg n = new Msg();
    inputs.forEach(i -> n.str(NODE_INPUT, i));
    outputs.forEach(o -> n.str(NODE_OUTPUT, o));
    return n.str(NODE_NAME, name).str(NODE_OP_TYPE, opType);
  }

  static Msg intAttribute(String name, long value) {
    return new Msg().str(ATTR_NAME, name).num(ATTR_I, value).num(ATTR_TYPE, ATTR_TYPE_INT);
  }

  /** A float tensor with its data as little-endian raw bytes. */
  static Msg floatTensor(String name, float[] data, long... dims) {
    Msg t = new Msg();
    for (long d : dims) {
      t.num(TENSOR_DIMS, d);
    }
    ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(data);
    return t.num(TENSOR_DATA_TYPE, DATA_TYPE_FLOAT).str(TENSOR_NAME, name).bytes(TENSOR_RAW_DATA, ByteString.copyFrom(buf.array()));
  }

  /** A tensor of bytes (uint8 or int8) with its data as raw bytes. */
  static Msg byteTensor(String name, int type, byte[] data, long... dims) {
    Msg t = new Msg();
    for (long d : dims) {
      t.num(TENSOR_DIMS, d);
    }
    return t.num(TENSOR_DATA_TYPE, type).str(TENSOR_NAME, name).bytes(TENSOR_RAW_DATA, ByteString.copyFrom(data));
  }

  /** A float tensor's value info; a null dimension is symbolic, named {@code N}. */
  static Msg floatValueInfo(String name, Long... dims) {
    return valueInfo(name, DATA_TYPE_FLOAT, dims);
  }

  /** The rank of a value info's tensor type, or -1 when it has no shape. */
  static int rank(UnknownFieldSet valueInfo) {
    List<ByteString> type = messages(valueInfo, VALUE_TYPE);
    if (type.isEmpty()) {
      return -1;
    }
    List<ByteString> tensor = messages(parse(type.get(0), "type"), TYPE_TENSOR);
    if (tensor.isEmpty()) {
      return -1;
    }
    List<ByteString> shape = messages(parse(tensor.get(0), "tensor type"), TENSOR_TYPE_SHAPE);
    if (shape.isEmpty()) {
      return -1;
    }
    return messages(parse(shape.get(0), "shape"), SHAPE_DIM).size();
  }
}
