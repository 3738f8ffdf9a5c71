package dev.nhl.encoder.training;

/**
 * The trainable end of a backbone: one 1x1 convolution over a feature map, a clip to {@code [low,
 * high]} (MobileNetV2's ReLU6, or the range its quantized output can hold), and global average
 * pooling. A head trained with it sees {@code out} features per image computed from the map the
 * backbone gives before that convolution ({@code in} channels at {@code positions} places).
 *
 * <p>Maps are {@code in x positions} floats per image, channels first (NCHW with H x W
 * flattened); weights are {@code out x in}, row-major. Immutable; {@link NhlTrainer} trains a new
 * one from an initial one.
 */
public final class Trunk {

  private final int in;
  private final int out;
  private final int positions;
  private final float[] w;
  private final float[] b;
  private final float low;
  private final float high;

  /**
   * A trunk from its parameters (arrays are copied).
   *
   * @param in channels of the input map
   * @param out channels of the output, the features a head sees
   * @param positions places in the map (height x width)
   * @param w weights, {@code out x in} row-major
   * @param b biases, {@code out}
   * @param low lower end of the clip
   * @param high upper end of the clip
   * @throws IllegalArgumentException if shapes disagree or the clip is empty
   */
  public Trunk(int in, int out, int positions, float[] w, float[] b, float low, float high) {
    if (in < 1 || out < 1 || positions < 1 || w.length != (long) out * in || b.length != out) {
      throw new IllegalArgumentException("trunk shapes do not match: " + in + " -> " + out + " channels at "
          + positions + " places, " + w.length + " weights and " + b.length + " biases");
    }
    if (!(low < high)) {
      throw new IllegalArgumentException("the clip must be a range, got [" + low + ", " + high + "]");
    }
    this.in = in;
    this.out = out;
    this.positions = positions;
    this.w = w.clone();
    this.b = b.clone();
    this.low = low;
    this.high = high;
  }

  /** Channels of the input map. */
  public int inputChannels() {
    return in;
  }

  /** Features per image: channels of the output. */
  public int outputChannels() {
    return out;
  }

  /** Places in the map. */
  public int positions() {
    return positions;
  }

  /** Weights, {@code out x in} row-major (a copy). */
  public float[] weights() {
    return w.clone();
  }

  /** Biases (a copy). */
  public float[] bias() {
    return b.clone();
  }

  /** Lower end of the clip. */
  public float low() {
    return low;
  }

  /** Upper end of the clip. */
  public float high() {
    return high;
  }

  /** The same shapes and clip with other parameters. */
  Trunk with(float[] weights, float[] biases) {
    return new Trunk(in, out, positions, weights, biases, low, high);
  }

  /**
   * The pooled features of a batch of maps.
   *
   * @param maps {@code rows x in x positions}, channels first
   * @return {@code rows x out}
   * @throws IllegalArgumentException if {@code maps} is not a whole number of maps
   */
  public float[] features(float[] maps) {
    if (maps.length == 0 || maps.length % (in * positions) != 0) {
      throw new IllegalArgumentException("expected maps of " + in + " x " + positions + " values, got " + maps.length);
    }
    return forward(maps, maps.length / (in * positions), w, b).pooled;
  }

  /** A forward pass kept for the backward one. */
  record Pass(int rows, float[] x, float[] y, float[] pooled) {}

  /**
   * Forward with the given parameters. {@code x} is the maps position-major ({@code rows *
   * positions x in}), {@code y} the clipped outputs ({@code rows * positions x out}).
   */
  Pass forward(float[] maps, int rows, float[] weights, float[] biases) {
    int places = rows * positions;
    float[] x = new float[places * in];
    eachImage(rows, r -> {
      int base = r * in * positions;
      for (int c = 0; c < in; c++) {
        int from = base + c * positions;
        for (int p = 0; p < positions; p++) {
          x[(r * positions + p) * in + c] = maps[from + p];
        }
      }
    });
    float[] y = new float[places * out];
    Linalg.gemmNT(x, places, in, weights, out, y, false);
    float[] pooled = new float[rows * out];
    float inv = 1f / positions;
    eachImage(rows, r -> {
      for (int p = 0; p < positions; p++) {
        int o = (r * positions + p) * out;
        for (int j = 0; j < out; j++) {
          float v = Math.min(high, Math.max(low, y[o + j] + biases[j]));
          y[o + j] = v;
          pooled[r * out + j] += v * inv;
        }
      }
    });
    return new Pass(rows, x, y, pooled);
  }

  /**
   * Adds to {@code gw} and {@code gb} the gradient of a loss whose gradient with respect to the
   * pooled features of {@code pass} is {@code dPooled} ({@code rows x out}). Where the clip holds
   * an output at either end its gradient is 0.
   */
  void backward(Pass pass, float[] dPooled, float[] gw, float[] gb) {
    int places = pass.rows() * positions;
    float[] dy = new float[places * out];
    float inv = 1f / positions;
    eachImage(pass.rows(), r -> {
      for (int p = 0; p < positions; p++) {
        int o = (r * positions + p) * out;
        for (int j = 0; j < out; j++) {
          float v = pass.y()[o + j];
          if (v > low && v < high) {
            dy[o + j] = dPooled[r * out + j] * inv;
          }
        }
      }
    });
    // the bias gradient in a fixed order: the same sums whichever thread ran which image
    for (int i = 0; i < places; i++) {
      for (int j = 0; j < out; j++) {
        gb[j] += dy[i * out + j];
      }
    }
    Linalg.gemmTN(dy, places, out, pass.x(), in, gw);
  }

  /** Runs {@code task} for every image of a batch, images split across the common pool. */
  private static void eachImage(int rows, java.util.function.IntConsumer task) {
    java.util.stream.IntStream.range(0, rows).parallel().forEach(task);
  }

  float[] w() {
    return w;
  }

  float[] b() {
    return b;
  }
}
