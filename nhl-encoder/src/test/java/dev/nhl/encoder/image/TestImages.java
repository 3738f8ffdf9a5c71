package dev.nhl.encoder.image;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

/**
 * Image files that declare far more pixels than they take on disk, written without ever holding
 * their pixels: for tests of bounded decoding here and in the command line's tests.
 */
public final class TestImages {

  private TestImages() {}

  /** The colour of row {@code y} in {@link #writePng}: a stripe every 2,000 rows. */
  public static int stripe(int y) {
    int band = y / 2000;
    return (band * 25 & 0xFF) << 16 | (255 - band * 20 & 0xFF) << 8 | (band * 7 & 0xFF);
  }

  /** An RGB PNG written row by row through one deflate stream: horizontal stripes, 2,000 rows each. */
  public static void writePng(Path file, int w, int h) throws IOException {
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
      out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
      ByteArrayOutputStream header = new ByteArrayOutputStream();
      DataOutputStream hd = new DataOutputStream(header);
      hd.writeInt(w);
      hd.writeInt(h);
      hd.write(new byte[] {8, 2, 0, 0, 0});
      chunk(out, "IHDR", header.toByteArray());
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      try (DeflaterOutputStream z = new DeflaterOutputStream(data)) {
        byte[] row = new byte[1 + 3 * w];
        for (int y = 0; y < h; y++) {
          int c = stripe(y);
          for (int x = 0; x < w; x++) {
            row[1 + 3 * x] = (byte) (c >>> 16);
            row[2 + 3 * x] = (byte) (c >>> 8);
            row[3 + 3 * x] = (byte) c;
          }
          z.write(row);
        }
      }
      chunk(out, "IDAT", data.toByteArray());
      chunk(out, "IEND", new byte[0]);
    }
  }

  private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeInt(data.length);
    out.write(t);
    out.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeInt((int) crc.getValue());
  }

  /**
   * A baseline grayscale JPEG whose every 8x8 block has all coefficients 0: Huffman tables of one
   * one-bit code each (DC difference category 0, AC end of block), so each block is two 0 bits.
   */
  public static void writeGrayJpeg(Path file, int w, int h) throws IOException {
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file))) {
      DataOutputStream out = new DataOutputStream(o);
      out.writeShort(0xFFD8);
      out.writeShort(0xFFDB); // quantisation table 0, all ones
      out.writeShort(67);
      out.writeByte(0);
      for (int i = 0; i < 64; i++) {
        out.writeByte(1);
      }
      out.writeShort(0xFFC0); // baseline, 8 bits, one component
      out.writeShort(11);
      out.writeByte(8);
      out.writeShort(h);
      out.writeShort(w);
      out.writeByte(1);
      out.write(new byte[] {1, 0x11, 0});
      for (int tableClass = 0; tableClass < 2; tableClass++) {
        out.writeShort(0xFFC4);
        out.writeShort(2 + 1 + 16 + 1);
        out.writeByte(tableClass << 4);
        out.writeByte(1); // one code of length 1
        for (int i = 1; i < 16; i++) {
          out.writeByte(0);
        }
        out.writeByte(0); // the symbol: DC category 0, or AC end of block
      }
      out.writeShort(0xFFDA);
      out.writeShort(8);
      out.write(new byte[] {1, 1, 0x00, 0, 63, 0});
      long blocks = (long) ((w + 7) / 8) * ((h + 7) / 8);
      byte[] zeros = new byte[1 << 16];
      for (long left = (blocks * 2 + 7) / 8; left > 0; left -= zeros.length) {
        out.write(zeros, 0, (int) Math.min(zeros.length, left));
      }
      out.writeShort(0xFFD9);
      out.flush();
    }
  }
}
