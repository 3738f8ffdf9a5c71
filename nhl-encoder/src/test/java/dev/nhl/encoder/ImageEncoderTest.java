package dev.nhl.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.Seeded;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(Seeded.class)
class ImageEncoderTest {

  static final Path CALTECH = Path.of("../../shared/data/caltech101/101_ObjectCategories");

  // ---- execution provider choice

  @Test
  void providerChoice() {
    var cpuOnly = EnumSet.of(OrtProvider.CPU);
    var withCuda = EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA);
    assertEquals(Device.CPU, OrtSessions.choose(Device.AUTO, cpuOnly));
    assertEquals(Device.CUDA, OrtSessions.choose(Device.AUTO, withCuda));
    assertEquals(Device.CPU, OrtSessions.choose(Device.CPU, withCuda));
    assertEquals(Device.CUDA, OrtSessions.choose(Device.CUDA, withCuda));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OrtSessions.choose(Device.CUDA, cpuOnly));
    assertTrue(e.getMessage().contains("onnxruntime_gpu"), e.getMessage());
  }

  @Test
  void deviceProperty() {
    String old = System.getProperty("nhl.encoder.device");
    try {
      System.setProperty("nhl.encoder.device", "cpu");
      assertEquals(Device.CPU, Device.fromProperty());
      System.setProperty("nhl.encoder.device", "gpu0");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Device::fromProperty);
      assertEquals("nhl.encoder.device must be auto, cpu or cuda, got 'gpu0'", e.getMessage());
    } finally {
      if (old == null) {
        System.clearProperty("nhl.encoder.device");
      } else {
        System.setProperty("nhl.encoder.device", old);
      }
    }
  }

  /** A CUDA provider that is built in but finds no GPU: AUTO falls back to CPU, CUDA fails. */
  @Test
  void cudaFallback(Random r) throws Exception {
    byte[] model = tinyImageModel(r);
    var withCuda = EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA);
    OrtSessions.CudaAdder noGpu = opts -> {
      throw new OrtException("no CUDA-capable device is detected");
    };
    ImageEncoder.Options auto = ImageEncoder.Options.defaults().withDevice(Device.AUTO);
    try (ImageEncoder enc = ImageEncoder.open(model, auto, withCuda, noGpu, "tiny")) {
      assertEquals(Device.CPU, enc.provider());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageEncoder.open(model, auto.withDevice(Device.CUDA), withCuda, noGpu, "tiny"));
    assertTrue(e.getMessage().contains("no CUDA-capable device"), e.getMessage());
    boolean[] called = new boolean[1];
    try (ImageEncoder enc = ImageEncoder.open(model, auto, EnumSet.of(OrtProvider.CPU), o -> called[0] = true, "tiny")) {
      assertEquals(Device.CPU, enc.provider());
      assertFalse(called[0], "a CPU-only build never tries CUDA");
    }
  }

  /**
   * The GPU build on a machine without CUDA (this one): the CUDA libraries are looked for before
   * ONNX Runtime is asked to load its provider, and the fallback to the CPU is one warning naming
   * what is missing.
   */
  @Test
  void gpuBuildWithoutCudaFallsBackInOneWarning(Random r) throws Exception {
    List<String> missing = OrtSessions.missingCudaLibraries();
    org.junit.jupiter.api.Assumptions.assumeTrue(missing.contains("libcuda.so.1"), "this machine has a CUDA driver");
    try (ai.onnxruntime.OrtSession.SessionOptions opts = new ai.onnxruntime.OrtSession.SessionOptions()) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> OrtSessions.addCuda(opts));
      assertTrue(e.getMessage().startsWith("CUDA libraries not found: libcuda.so.1"), e.getMessage());
    }
    List<java.util.logging.LogRecord> records = new ArrayList<>();
    java.util.logging.Logger log = java.util.logging.Logger.getLogger("dev.nhl.encoder");
    java.util.logging.Handler h = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord record) {
        records.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    log.addHandler(h);
    try (ImageEncoder enc = ImageEncoder.open(tinyImageModel(r), ImageEncoder.Options.defaults(),
        EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA), OrtSessions::addCuda, "tiny")) {
      assertEquals(Device.CPU, enc.provider());
    } finally {
      log.removeHandler(h);
    }
    assertEquals(1, records.size(), "one line");
    assertEquals(java.util.logging.Level.WARNING, records.get(0).getLevel());
    assertTrue(records.get(0).getMessage().contains("cannot use CUDA here: CUDA libraries not found: libcuda.so.1"),
        records.get(0).getMessage());
  }

  /**
   * A 1-channel 8x8 image model: the head (no hidden layer) over the flattened pixels, reshaped from
   * [N, 1, 8, 8] to [N, 64] by a Flatten node in front.
   */
  static byte[] tinyImageModel(Random r) {
    NhlHead head = OnnxModelsTest.randomHead(r, CodeSpec.of(8, 16), 64, 0);
    com.google.protobuf.UnknownFieldSet m = Proto.parse(com.google.protobuf.ByteString.copyFrom(OnnxModels.head(head)), "model");
    com.google.protobuf.UnknownFieldSet g = Proto.parse(Proto.messages(m, Proto.MODEL_GRAPH).get(0), "graph");
    Proto.Msg graph = new Proto.Msg(g).clear(Proto.GRAPH_INPUT).clear(Proto.GRAPH_NODE);
    graph.msg(Proto.GRAPH_NODE, Proto.node("Flatten", "flat", List.of("image"), List.of(OnnxModels.FEATURES))
        .msg(Proto.NODE_ATTRIBUTE, Proto.intAttribute("axis", 1)));
    for (com.google.protobuf.ByteString n : Proto.messages(g, Proto.GRAPH_NODE)) {
      graph.bytes(Proto.GRAPH_NODE, n);
    }
    graph.msg(Proto.GRAPH_INPUT, Proto.floatValueInfo("image", null, 1L, 8L, 8L));
    return new Proto.Msg(m).clear(Proto.MODEL_GRAPH).msg(Proto.MODEL_GRAPH, graph).build().toByteArray();
  }

  // ---- decoding and preprocessing

  @Test
  void orientationsMapPixelsAsExifDefines() {
    // a 3 x 2 image: pixel values are their index
    ImageDecoder.Pixels p = new ImageDecoder.Pixels(3, 2, new int[] {0, 1, 2, 3, 4, 5});
    // rows of the upright image for each orientation
    int[][] expected = {
      {0, 1, 2, 3, 4, 5}, // 1
      {2, 1, 0, 5, 4, 3}, // 2: mirrored
      {5, 4, 3, 2, 1, 0}, // 3: rotated 180
      {3, 4, 5, 0, 1, 2}, // 4: flipped
      {0, 3, 1, 4, 2, 5}, // 5: transposed
      {3, 0, 4, 1, 5, 2}, // 6: rotated 90 clockwise
      {5, 2, 4, 1, 3, 0}, // 7: transverse
      {2, 5, 1, 4, 0, 3}, // 8: rotated 90 counter-clockwise
    };
    for (int o = 1; o <= 8; o++) {
      ImageDecoder.Pixels q = ImageDecoder.orient(p, o);
      assertEquals(o >= 5 ? 2 : 3, q.width(), "width for orientation " + o);
      assertArrayEquals(expected[o - 1], q.rgb(), "orientation " + o);
    }
  }

  /** A JPEG with an EXIF orientation 6 comes out rotated: the left half red becomes the top half. */
  @Test
  void exifOrientationOfAJpeg(@TempDir Path dir) throws IOException {
    BufferedImage img = new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 64; x++) {
        img.setRGB(x, y, x < 32 ? 0xFF0000 : 0x0000FF);
      }
    }
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", jpeg);
    Path file = dir.resolve("rotated.jpg");
    Files.write(file, withExifOrientation(jpeg.toByteArray(), 6));
    assertEquals(6, ImageDecoder.orientation(file));
    ImageDecoder.Pixels p = ImageDecoder.decode(file);
    assertEquals(32, p.width());
    assertEquals(64, p.height());
    int top = p.rgb()[10 * 32 + 16];
    int bottom = p.rgb()[54 * 32 + 16];
    assertTrue((top >> 16 & 0xFF) > 200 && (top & 0xFF) < 60, "top is red: " + Integer.toHexString(top));
    assertTrue((bottom & 0xFF) > 200 && (bottom >> 16 & 0xFF) < 60, "bottom is blue: " + Integer.toHexString(bottom));
  }

  /** Inserts an APP1 EXIF segment (big-endian TIFF, IFD0 with one Orientation entry) after SOI. */
  static byte[] withExifOrientation(byte[] jpeg, int orientation) {
    byte[] tiff = {
      'M', 'M', 0, 42, 0, 0, 0, 8, // header, IFD0 at 8
      0, 1, // one entry
      0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, // Orientation, SHORT, 1, value
      0, 0, 0, 0 // no next IFD
    };
    byte[] exif = new byte[6 + tiff.length];
    System.arraycopy("Exif\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, exif, 0, 6);
    System.arraycopy(tiff, 0, exif, 6, tiff.length);
    int len = exif.length + 2;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    out.write(0xFF);
    out.write(0xE1);
    out.write(len >> 8);
    out.write(len & 0xFF);
    out.write(exif, 0, exif.length);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  /** Grayscale is read from the raster: 8-bit values exactly, 16-bit by their high byte. */
  @Test
  void grayscaleKeepsItsValues(@TempDir Path dir) throws IOException {
    BufferedImage g8 = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
    BufferedImage g16 = new BufferedImage(4, 1, BufferedImage.TYPE_USHORT_GRAY);
    int[] values = {0, 37, 128, 255};
    for (int x = 0; x < 4; x++) {
      g8.getRaster().setSample(x, 0, 0, values[x]);
      g16.getRaster().setSample(x, 0, 0, values[x] << 8 | 0x7F);
    }
    for (BufferedImage g : new BufferedImage[] {g8, g16}) {
      Path f = dir.resolve("g" + g.getType() + ".png");
      ImageIO.write(g, "png", f.toFile());
      ImageDecoder.Pixels p = ImageDecoder.decode(f);
      for (int x = 0; x < 4; x++) {
        int v = values[x];
        assertEquals(v << 16 | v << 8 | v, p.rgb()[x], "pixel " + x + " of type " + g.getType());
      }
    }
  }

  /** A four-component (CMYK) JPEG, as print workflows write them, decodes through TwelveMonkeys. */
  @Test
  void cmykJpeg(@TempDir Path dir) throws IOException {
    java.awt.image.WritableRaster raster = java.awt.image.Raster.createInterleavedRaster(
        java.awt.image.DataBuffer.TYPE_BYTE, 16, 16, 4, null);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        raster.setPixel(x, y, new int[] {200, 30, 90, 10});
      }
    }
    var writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    Path f = dir.resolve("cmyk.jpg");
    try (var out = ImageIO.createImageOutputStream(f.toFile())) {
      writer.setOutput(out);
      writer.write(null, new javax.imageio.IIOImage(raster, null, null), null);
    } finally {
      writer.dispose();
    }
    ImageDecoder.Pixels p = ImageDecoder.decode(f);
    assertEquals(16, p.width());
    assertEquals(16 * 16, p.rgb().length);
  }

  @Test
  void resamplingKeepsConstantsAndIdentity(Random r) {
    float[] c = new float[37 * 23];
    java.util.Arrays.fill(c, 91f);
    float[] out = Resampler.resize(c, 37, 23, 11, 7, 0, 0, 11, 7);
    for (float v : out) {
      assertEquals(91f, v, 1e-3);
    }
    float[] x = new float[9 * 5];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat() * 255;
    }
    assertArrayEquals(x, Resampler.resize(x, 9, 5, 9, 5, 0, 0, 9, 5), 1e-4f);
    // a window of the identity is a crop
    float[] crop = Resampler.resize(x, 9, 5, 9, 5, 2, 1, 3, 2);
    assertArrayEquals(new float[] {x[11], x[12], x[13], x[20], x[21], x[22]}, crop, 1e-4f);
    // halving averages pairs with the triangle weights 3/7, 3/7, 1/7 at the border (PIL's antialias)
    float[] row = {10, 20, 30, 40};
    float[] half = Resampler.resize(row, 4, 1, 2, 1, 0, 0, 2, 1);
    assertEquals((0.75 * 10 + 0.75 * 20 + 0.25 * 30) / 1.75, half[0], 1e-4);
    assertEquals((0.25 * 20 + 0.75 * 30 + 0.75 * 40) / 1.75, half[1], 1e-4);
  }

  @Test
  void normalisationOfAConstantImage() {
    Preprocessing p = Preprocessing.imagenet();
    int[] rgb = new int[300 * 200];
    java.util.Arrays.fill(rgb, 0x804020);
    float[] t = new float[3 * 224 * 224];
    p.tensor(rgb, 300, 200, 3, t, 0);
    int plane = 224 * 224;
    assertEquals((0x80 / 255f - 0.485f) / 0.229f, t[0], 1e-4);
    assertEquals((0x40 / 255f - 0.456f) / 0.224f, t[plane + 1000], 1e-4);
    assertEquals((0x20 / 255f - 0.406f) / 0.225f, t[2 * plane + plane - 1], 1e-4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Preprocessing(200, 224, new float[3], new float[] {1, 1, 1}));
    assertTrue(e.getMessage().contains("224") && e.getMessage().contains("200"), e.getMessage());
  }

  // ---- the encoder end to end

  @Test
  void modelWithoutAnImageInputIsRejected(@TempDir Path dir, Random r) throws IOException {
    Path model = dir.resolve("head.onnx");
    OnnxModels.write(OnnxModels.head(OnnxModelsTest.randomHead(r, CodeSpec.of(8), 10, 0)), model);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageEncoder.open(model, ImageEncoder.Options.defaults()));
    assertTrue(e.getMessage().contains("image input") && e.getMessage().contains("features"), e.getMessage());
    assertThrows(NoSuchFileException.class, () -> ImageEncoder.open(dir.resolve("missing.onnx"), ImageEncoder.Options.defaults()));
  }

  static List<Path> caltech(String cls, int n) throws IOException {
    Path d = CALTECH.resolve(cls);
    assumeTrue(Files.isDirectory(d), "no Caltech-101 at " + CALTECH.toAbsolutePath());
    try (var s = Files.list(d)) {
      return s.sorted().limit(n).toList();
    }
  }

  /**
   * MobileNetV2 features of real photos: results in order, failures reported in place, the same
   * outputs whatever the batch size, and photos of one class closer to each other than to another.
   */
  @Test
  void encodesPhotosWithMobileNet(@TempDir Path dir, Random r) throws Exception {
    byte[] backbone = OnnxModelsTest.mobilenet();
    Path model = dir.resolve("features.onnx");
    OnnxModels.write(OnnxModels.featureExtractor(backbone, "627"), model);
    List<Path> images = new ArrayList<>(caltech("accordion", 4));
    images.addAll(caltech("airplanes", 4));
    Path corrupt = dir.resolve("corrupt.jpg");
    Files.write(corrupt, new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
    images.add(2, corrupt);
    images.add(5, dir.resolve("missing.jpg"));
    List<ImageEncoder.Result> batched;
    try (ImageEncoder enc = ImageEncoder.open(model, ImageEncoder.Options.defaults().withBatchSize(4))) {
      assertNull(enc.spec());
      assertEquals(1280, enc.outputDim());
      batched = enc.encode(images);
    }
    List<ImageEncoder.Result> single;
    try (ImageEncoder enc = ImageEncoder.open(model, ImageEncoder.Options.defaults().withBatchSize(1).withDecodeThreads(1))) {
      single = enc.encode(images);
    }
    assertEquals(images.size(), batched.size());
    for (int i = 0; i < images.size(); i++) {
      assertEquals(images.get(i), batched.get(i).path());
      boolean bad = i == 2 || i == 5;
      assertEquals(!bad, batched.get(i).ok(), "result " + i + ": " + batched.get(i).error());
      if (!bad) {
        OnnxModelsTest.assertClose(single.get(i).outputs(), batched.get(i).outputs(), 1e-4, "image " + i);
      }
    }
    assertTrue(batched.get(2).error().contains("corrupt.jpg"), batched.get(2).error());
    assertTrue(batched.get(5).error().contains("missing.jpg"), batched.get(5).error());
    List<float[]> acc = new ArrayList<>();
    List<float[]> air = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      if (batched.get(i).ok()) {
        (images.get(i).toString().contains("accordion") ? acc : air).add(batched.get(i).outputs());
      }
    }
    double within = (meanCosine(acc, acc) + meanCosine(air, air)) / 2;
    double across = meanCosine(acc, air);
    assertTrue(within > across + 0.1, "within-class cosine " + within + " vs across " + across);
  }

  static double meanCosine(List<float[]> a, List<float[]> b) {
    double s = 0;
    int n = 0;
    for (float[] x : a) {
      for (float[] y : b) {
        if (x == y) {
          continue;
        }
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int i = 0; i < x.length; i++) {
          dot += x[i] * y[i];
          nx += x[i] * x[i];
          ny += y[i] * y[i];
        }
        s += dot / Math.sqrt(nx * ny);
        n++;
      }
    }
    return s / n;
  }

  /** A composed model gives codes in nhl-index's layout, equal to the head on the features. */
  @Test
  void composedModelGivesCodes(@TempDir Path dir, Random r) throws Exception {
    byte[] backbone = OnnxModelsTest.mobilenet();
    NhlHead head = OnnxModelsTest.randomHead(r, CodeSpec.of(8, 16, 32, 64, 128), 1280, 0);
    Path features = dir.resolve("features.onnx");
    Path composed = dir.resolve("composed.onnx");
    OnnxModels.write(OnnxModels.featureExtractor(backbone, "627"), features);
    OnnxModels.write(OnnxModels.compose(backbone, "627", head), composed);
    List<Path> images = caltech("brain", 3);
    try (ImageEncoder f = ImageEncoder.open(features, ImageEncoder.Options.defaults());
        ImageEncoder c = ImageEncoder.open(composed, ImageEncoder.Options.defaults())) {
      assertEquals(CodeSpec.of(8, 16, 32, 64, 128), c.spec());
      List<ImageEncoder.Result> fr = f.encode(images);
      List<ImageEncoder.Result> cr = c.encode(images);
      for (int i = 0; i < images.size(); i++) {
        byte[] expected = head.encode(fr.get(i).outputs())[0];
        assertArrayEquals(expected, cr.get(i).code(), "code of " + images.get(i));
      }
    }
  }
}
