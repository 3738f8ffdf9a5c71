package dev.nhl.encoder.training;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the format of MNIST and Fashion-MNIST), plain or gzipped: unsigned-byte images
 * as float features in [0, 255] and unsigned-byte labels.
 */
public final class IdxFiles {

  private static final int UBYTE = 0x08;

  private IdxFiles() {}

  /** Images of an IDX3 file: {@code count} rows of {@code rows x cols} pixels. */
  public record Images(int count, int rows, int cols, float[] pixels) {
    /** Pixels per image. */
    public int dim() {
      return rows * cols;
    }
  }

  /**
   * Reads an IDX3 file of unsigned bytes.
   *
   * @throws IOException if the file is missing, truncated, or not an IDX3 file of unsigned bytes
   */
  public static Images readImages(Path file) throws IOException {
    try (DataInputStream in = open(file)) {
      int[] dims = header(in, file, 3);
      long size = (long) dims[0] * dims[1] * dims[2];
      if (size > Integer.MAX_VALUE) {
        throw new IOException(file + ": " + size + " pixels do not fit in one array");
      }
      byte[] raw = new byte[(int) size];
      readFully(in, raw, file);
      float[] px = new float[raw.length];
      for (int i = 0; i < raw.length; i++) {
        px[i] = raw[i] & 0xFF;
      }
      return new Images(dims[0], dims[1], dims[2], px);
    }
  }

  /**
   * Reads an IDX1 file of unsigned-byte labels.
   *
   * @throws IOException if the file is missing, truncated, or not an IDX1 file of unsigned bytes
   */
  public static int[] readLabels(Path file) throws IOException {
    try (DataInputStream in = open(file)) {
      int[] dims = header(in, file, 1);
      byte[] raw = new byte[dims[0]];
      readFully(in, raw, file);
      int[] labels = new int[raw.length];
      for (int i = 0; i < raw.length; i++) {
        labels[i] = raw[i] & 0xFF;
      }
      return labels;
    }
  }

  private static DataInputStream open(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no such IDX file");
    }
    InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    return new DataInputStream(in);
  }

  private static int[] header(DataInputStream in, Path file, int expectedDims) throws IOException {
    int magic;
    try {
      magic = in.readInt();
    } catch (EOFException e) {
      throw new IOException(file + ": empty, expected an IDX header", e);
    }
    int type = (magic >>> 8) & 0xFF;
    int dims = magic & 0xFF;
    if ((magic >>> 16) != 0 || type != UBYTE || dims != expectedDims) {
      throw new IOException(String.format(java.util.Locale.ROOT,
          "%s: magic 0x%08x, expected an IDX file of unsigned bytes with %d dimensions (0x000008%02x)",
          file, magic, expectedDims, expectedDims));
    }
    int[] d = new int[dims];
    for (int i = 0; i < dims; i++) {
      d[i] = in.readInt();
      if (d[i] < 0) {
        throw new IOException(file + ": dimension " + i + " is negative: " + d[i]);
      }
    }
    return d;
  }

  private static void readFully(DataInputStream in, byte[] out, Path file) throws IOException {
    try {
      in.readFully(out);
    } catch (EOFException e) {
      throw new IOException(file + ": truncated, expected " + out.length + " data bytes", e);
    }
  }
}
