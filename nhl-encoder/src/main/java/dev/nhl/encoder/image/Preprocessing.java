package dev.nhl.encoder.image;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * How an image becomes a model's input tensor: resize so that the short side is {@code
 * resizeShortSide} (antialiased bilinear, as PIL and torchvision do), centre-crop {@code cropSize}
 * square, scale to [0, 1], then {@code (v - mean) / std} per channel, channels first.
 *
 * @param resizeShortSide the short side after resizing
 * @param cropSize side of the centred square crop, at most {@code resizeShortSide}
 * @param mean per channel (3 values: R, G, B; a one-channel model uses the first)
 * @param std per channel, positive
 */
public record Preprocessing(int resizeShortSide, int cropSize, float[] mean, float[] std) {

  /** Validates the values. */
  public Preprocessing {
    if (cropSize < 1 || resizeShortSide < cropSize) {
      throw new IllegalArgumentException("need 1 <= crop size <= resize short side, got crop " + cropSize
          + " and short side " + resizeShortSide);
    }
    if (mean.length != 3 || std.length != 3) {
      throw new IllegalArgumentException("mean and std take 3 values (R, G, B), got " + mean.length + " and " + std.length);
    }
    for (float s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException("std values must be positive, got " + Arrays.toString(std));
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** The ImageNet convention: short side 256, centre crop 224, ImageNet mean and std. */
  public static Preprocessing imagenet() {
    return new Preprocessing(256, 224, new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
  }

  /** The same with another crop size (the short side scaled in the ImageNet ratio 256:224). */
  public Preprocessing withCrop(int crop) {
    return new Preprocessing(Math.round(crop * (float) resizeShortSide / cropSize), crop, mean, std);
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  /**
   * Writes the input tensor of one image into {@code out} at {@code offset}: {@code channels x
   * cropSize x cropSize} floats.
   *
   * @param rgb packed 0xRRGGBB pixels, row-major
   * @param width columns of the image
   * @param height rows of the image
   * @param channels 3 for RGB planes, 1 for one plane of luminance
   * @param out the tensor being filled
   * @param offset where this image's planes start in {@code out}
   */
  public void tensor(int[] rgb, int width, int height, int channels, float[] out, int offset) {
    tensor(rgb, width, height, channels, FloatBuffer.wrap(out), offset);
  }

  /**
   * As {@link #tensor(int[], int, int, int, float[], int)}, into a buffer (such as the direct buffer
   * of an ONNX Runtime tensor, which it reads in place) at index {@code offset}, below the buffer's
   * limit; its position is left alone.
   */
  public void tensor(int[] rgb, int width, int height, int channels, FloatBuffer out, int offset) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    int sw;
    int sh;
    if (width <= height) {
      sw = resizeShortSide;
      sh = Math.max(cropSize, Math.round((float) height * resizeShortSide / width));
    } else {
      sh = resizeShortSide;
      sw = Math.max(cropSize, Math.round((float) width * resizeShortSide / height));
    }
    int left = (sw - cropSize) / 2;
    int top = (sh - cropSize) / 2;
    Resampler.Plan resize = Resampler.plan(width, height, sw, sh, left, top, cropSize, cropSize);
    if (channels == 3) {
      // (v / 255 - mean) / std as one multiply-add per value
      float[] scale = new float[3];
      float[] shift = new float[3];
      for (int c = 0; c < 3; c++) {
        scale[c] = 1f / (255f * std[c]);
        shift[c] = -mean[c] / std[c];
      }
      resize.applyRgb(rgb, out, offset, scale, shift);
      return;
    }
    // luma (ITU-R BT.601) of the resized channels, as PIL's convert("L")
    int plane = cropSize * cropSize;
    float[][] planes = new float[3][];
    float[] src = new float[width * height];
    for (int c = 0; c < 3; c++) {
      int shift = 16 - 8 * c;
      for (int i = 0; i < src.length; i++) {
        src[i] = (rgb[i] >>> shift) & 0xFF;
      }
      planes[c] = resize.apply(src);
    }
    float[] luma = new float[plane];
    for (int i = 0; i < plane; i++) {
      float y = 0.299f * planes[0][i] + 0.587f * planes[1][i] + 0.114f * planes[2][i];
      luma[i] = (y / 255f - mean[0]) / std[0];
    }
    out.put(offset, luma);
  }
}
