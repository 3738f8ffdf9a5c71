package dev.nhl.encoder.training;

/**
 * The maps a {@link Trunk} is trained on: for every item, one or more views of its image (view 0
 * the plain centre crop, the others augmented: flipped, cropped elsewhere) as the backbone gives
 * the map before the trunk, stored quantized ({@code (q - zeroPoint) * scale}, one byte a value),
 * which holds the maps of a few views of thousands of photos in memory. Training draws a view per
 * item and epoch; validation and encoding use view 0.
 */
public final class TrunkMaps {

  private final int items;
  private final int views;
  private final int mapSize;
  private final byte[] data;
  private final float scale;
  private final int zeroPoint;
  private final boolean signed;

  /**
   * Maps as stored.
   *
   * @param items number of items
   * @param views views per item, at least 1
   * @param mapSize values per map ({@code channels x positions})
   * @param data {@code items x views x mapSize} stored values, item-major (not copied)
   * @param scale quantization scale
   * @param zeroPoint quantization zero point
   * @param signed whether values are int8 (uint8 otherwise)
   * @throws IllegalArgumentException if the sizes disagree
   */
  public TrunkMaps(int items, int views, int mapSize, byte[] data, float scale, int zeroPoint, boolean signed) {
    if (items < 1 || views < 1 || mapSize < 1 || data.length != (long) items * views * mapSize) {
      throw new IllegalArgumentException("expected " + items + " items x " + views + " views x " + mapSize
          + " values, got " + data.length);
    }
    if (!(scale > 0) || !Float.isFinite(scale)) {
      throw new IllegalArgumentException("quantization scale must be positive and finite, got " + scale);
    }
    this.items = items;
    this.views = views;
    this.mapSize = mapSize;
    this.data = data;
    this.scale = scale;
    this.zeroPoint = zeroPoint;
    this.signed = signed;
  }

  /** Number of items. */
  public int items() {
    return items;
  }

  /** Views per item. */
  public int views() {
    return views;
  }

  /** The stored values, {@code items x views x mapSize} item-major (a copy, for saving them). */
  public byte[] stored() {
    return data.clone();
  }

  /** Values per map. */
  public int mapSize() {
    return mapSize;
  }

  /**
   * The float maps of some items, each at the view given: {@code which.length x mapSize}.
   *
   * @throws IndexOutOfBoundsException if an item or view is out of range
   */
  public float[] maps(int[] which, int[] view) {
    for (int r = 0; r < which.length; r++) {
      java.util.Objects.checkIndex(which[r], items);
      java.util.Objects.checkIndex(view[r], views);
    }
    float[] out = new float[which.length * mapSize];
    for (int r = 0; r < which.length; r++) {
      dequantize(data, ((long) which[r] * views + view[r]) * mapSize, mapSize, out, r * mapSize);
    }
    return out;
  }

  /** The float maps of some items at view 0. */
  float[] centre(int[] which) {
    return maps(which, new int[which.length]);
  }

  private void dequantize(byte[] from, long offset, int length, float[] out, int at) {
    for (int i = 0; i < length; i++) {
      byte q = from[(int) (offset + i)];
      out[at + i] = ((signed ? q : q & 0xFF) - zeroPoint) * scale;
    }
  }

  /**
   * Stored values as floats, {@code (q - zeroPoint) * scale} with q read as int8 or uint8: the
   * arithmetic of ONNX's {@code DequantizeLinear}.
   */
  public static float[] dequantize(byte[] stored, float scale, int zeroPoint, boolean signed) {
    return new TrunkMaps(1, 1, stored.length, stored, scale, zeroPoint, signed).maps(new int[1], new int[1]);
  }
}
