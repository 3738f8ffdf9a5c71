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
import dev.nhl.encoder.onnx.OnnxModels;
import dev.nhl.encoder.onnx.TestModels;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.Seeded;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(Seeded.class)
class ImageEncoderTest {

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
    byte[] model = TestModels.tinyImageModel(r);
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
    try (ImageEncoder enc = ImageEncoder.open(TestModels.tinyImageModel(r), ImageEncoder.Options.defaults(),
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

  // ---- the encoder end to end

  @Test
  void modelWithoutAnImageInputIsRejected(@TempDir Path dir, Random r) throws IOException {
    Path model = dir.resolve("head.onnx");
    OnnxModels.write(OnnxModels.head(TestModels.randomHead(r, CodeSpec.of(8), 10, 0)), model);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageEncoder.open(model, ImageEncoder.Options.defaults()));
    assertTrue(e.getMessage().contains("image input") && e.getMessage().contains("features"), e.getMessage());
    assertThrows(NoSuchFileException.class, () -> ImageEncoder.open(dir.resolve("missing.onnx"), ImageEncoder.Options.defaults()));
  }

  /**
   * MobileNetV2 features of real photos: results in order, failures reported in place, the same
   * outputs whatever the batch size, and photos of one class closer to each other than to another.
   */
  @Test
  void encodesPhotosWithMobileNet(@TempDir Path dir, Random r) throws Exception {
    byte[] backbone = TestModels.mobilenet();
    Path model = dir.resolve("features.onnx");
    OnnxModels.write(OnnxModels.featureExtractor(backbone, "627"), model);
    List<Path> images = new ArrayList<>(TestModels.caltech("accordion", 4));
    images.addAll(TestModels.caltech("airplanes", 4));
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
        TestModels.assertClose(single.get(i).outputs(), batched.get(i).outputs(), 1e-4, "image " + i);
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
    byte[] backbone = TestModels.mobilenet();
    NhlHead head = TestModels.randomHead(r, CodeSpec.of(8, 16, 32, 64, 128), 1280, 0);
    Path features = dir.resolve("features.onnx");
    Path composed = dir.resolve("composed.onnx");
    OnnxModels.write(OnnxModels.featureExtractor(backbone, "627"), features);
    OnnxModels.write(OnnxModels.compose(backbone, "627", head), composed);
    List<Path> images = TestModels.caltech("brain", 3);
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
