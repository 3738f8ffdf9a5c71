package dev.nhl.bench;

import dev.nhl.encoder.ImageEncoder;
import dev.nhl.encoder.onnx.OnnxModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Images per second of the composed backbone + NHL head model through {@link ImageEncoder} on the
 * CPU, JPEG decoding and preprocessing included, at batch sizes 1, 16 and 64.
 *
 * <p>Usage: {@code EncoderThroughput CALTECH_DIR BACKBONE.onnx FEATURE_TENSOR HEAD.onnx [images]}
 * (default 640 images of the test split, after a warm-up of 64).
 */
public final class EncoderThroughput {

  private EncoderThroughput() {}

  /** Runs the measurement and prints one table row per batch size. */
  public static void main(String[] args) throws IOException {
    if (args.length < 4) {
      System.err.println("usage: EncoderThroughput CALTECH_DIR BACKBONE.onnx FEATURE_TENSOR HEAD.onnx [images]");
      System.exit(2);
    }
    Path root = Path.of(args[0]);
    int count = args.length > 4 ? Integer.parseInt(args[4]) : 640;
    List<Path> images = Files.readAllLines(root.resolve("test.txt")).stream().filter(s -> !s.isBlank())
        .map(s -> root.resolve("101_ObjectCategories").resolve(s)).limit(count + 64L).toList();
    Path model = Files.createTempFile("nhl-composed", ".onnx");
    try {
      OnnxModels.write(OnnxModels.compose(Files.readAllBytes(Path.of(args[1])), args[2],
          OnnxModels.readHead(Files.readAllBytes(Path.of(args[3])))), model);
      System.out.printf(Locale.ROOT, "# %d Caltech-101 test images (JPEG decoding included), %d cores, JDK %s%n",
          count, Runtime.getRuntime().availableProcessors(), Runtime.version());
      System.out.println("| batch size | images/s | ms per image |");
      System.out.println("| ---: | ---: | ---: |");
      for (int batch : new int[] {1, 16, 64}) {
        try (ImageEncoder enc = ImageEncoder.open(model, ImageEncoder.Options.defaults().withBatchSize(batch)
            .withDevice(dev.nhl.encoder.Device.CPU))) {
          enc.encode(images.subList(0, 64));
          long t0 = System.nanoTime();
          List<ImageEncoder.Result> rs = enc.encode(images.subList(64, images.size()));
          double s = (System.nanoTime() - t0) / 1e9;
          long failed = rs.stream().filter(r -> !r.ok()).count();
          if (failed > 0) {
            throw new IllegalStateException(failed + " images failed to encode");
          }
          System.out.printf(Locale.ROOT, "| %d | %.1f | %.2f |%n", batch, rs.size() / s, 1000 * s / rs.size());
        }
      }
    } finally {
      Files.deleteIfExists(model);
    }
  }
}
