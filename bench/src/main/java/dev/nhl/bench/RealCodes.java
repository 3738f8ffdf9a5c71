package dev.nhl.bench;

import dev.nhl.encoder.Device;
import dev.nhl.encoder.FeatureEncoder;
import dev.nhl.encoder.onnx.OnnxModels;
import dev.nhl.encoder.training.IdxFiles;
import dev.nhl.encoder.training.Labels;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.encoder.training.NhlTrainer;
import dev.nhl.encoder.training.TrainerConfig;
import dev.nhl.index.CodeSpec;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Real codes at scale for the search benchmarks: trains a full Nested Hash Layer head
 * (16/32/64/128 bits, hidden layer of 256) on Fashion-MNIST's 60,000 training images, then
 * encodes {@code n + queries} randomly augmented copies of its 70,000 images with ONNX Runtime:
 * each copy is shifted by up to 2 pixels each way, its contrast scaled by 0.8 to 1.2, and
 * Gaussian noise (sd 12 of 255) added. Writes the codes, 16 bytes each, the {@code n} database
 * codes first, then the queries (fresh augmentations), to {@code OUT}, which {@link CodeGenerator}
 * reads as the data kind {@code file:OUT}.
 *
 * <p>Usage: {@code RealCodes OUT n queries [--data DIR] [--epochs N]}.
 */
public final class RealCodes {

  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64, 128);

  private RealCodes() {}

  /** Writes the codes. */
  public static void main(String[] args) throws IOException {
    Path out = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    int queries = Integer.parseInt(args[2]);
    Path data = Path.of("/usr/share/datasets/fashion-mnist");
    int epochs = 5;
    for (int i = 3; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--data" -> data = Path.of(args[i + 1]);
        case "--epochs" -> epochs = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    IdxFiles.Images train = IdxFiles.readImages(data.resolve("train-images-idx3-ubyte.gz"));
    int[] trainY = IdxFiles.readLabels(data.resolve("train-labels-idx1-ubyte.gz"));
    IdxFiles.Images test = IdxFiles.readImages(data.resolve("t10k-images-idx3-ubyte.gz"));
    TrainerConfig config = TrainerConfig.builder(SPEC).hiddenUnits(256).epochs(epochs).patience(epochs).build();
    long t0 = System.nanoTime();
    NhlHead head = new NhlTrainer(config).train(train.pixels(), train.dim(), Labels.single(trainY, 10),
        r -> System.err.println("    " + r));
    System.err.printf(Locale.ROOT, "trained in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    Path model = Files.createTempFile("fashion-nhl", ".onnx");
    OnnxModels.write(OnnxModels.head(head), model);
    int side = train.rows();
    int dim = train.dim();
    int images = train.count() + test.count();
    SplittableRandom r = new SplittableRandom(2026);
    int batch = 1 << 15;
    float[] x = new float[batch * dim];
    long total = (long) n + queries;
    t0 = System.nanoTime();
    try (FeatureEncoder enc = FeatureEncoder.open(model, Device.AUTO);
        OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
      for (long done = 0; done < total; ) {
        int m = (int) Math.min(batch, total - done);
        for (int j = 0; j < m; j++) {
          int src = r.nextInt(images);
          float[] px = src < train.count() ? train.pixels() : test.pixels();
          int base = (src < train.count() ? src : src - train.count()) * dim;
          augment(px, base, side, x, j * dim, r);
        }
        float[] batchX = m == batch ? x : java.util.Arrays.copyOf(x, m * dim);
        for (byte[] c : enc.encode(batchX)) {
          os.write(c);
        }
        done += m;
      }
    } finally {
      Files.deleteIfExists(model);
    }
    System.err.printf(Locale.ROOT, "%,d codes (%,d database, %,d queries) written to %s in %.1f s%n", total, n, queries, out,
        (System.nanoTime() - t0) / 1e9);
  }

  /** One augmented copy of the image at {@code px[base]} into {@code out[at]}. */
  static void augment(float[] px, int base, int side, float[] out, int at, SplittableRandom r) {
    int dx = r.nextInt(5) - 2;
    int dy = r.nextInt(5) - 2;
    double contrast = 0.8 + 0.4 * r.nextDouble();
    for (int y = 0; y < side; y++) {
      for (int xx = 0; xx < side; xx++) {
        int sy = y - dy;
        int sx = xx - dx;
        double v = sy >= 0 && sy < side && sx >= 0 && sx < side ? px[base + sy * side + sx] : 0;
        v = v * contrast + 12 * r.nextGaussian();
        out[at + y * side + xx] = (float) Math.max(0, Math.min(255, v));
      }
    }
  }
}
