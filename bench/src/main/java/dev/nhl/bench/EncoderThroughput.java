package dev.nhl.bench;

import dev.nhl.encoder.Device;
import dev.nhl.encoder.ImageEncoder;
import dev.nhl.encoder.image.ImageDecoder;
import dev.nhl.encoder.image.PerceptualHash;
import dev.nhl.encoder.image.Preprocessing;
import dev.nhl.encoder.onnx.OnnxModels;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.index.CodeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Images per second of the composed backbone + NHL head model through {@link ImageEncoder} on the
 * CPU, JPEG decoding and preprocessing included, at batch sizes 1, 16, 32 (the default) and 64;
 * then where one image's time goes, stage by stage on one thread: decoding, preprocessing, the
 * perceptual hash; then inference alone on tensors made beforehand, the ceiling of the whole.
 *
 * <p>Usage: {@code EncoderThroughput CALTECH_DIR BACKBONE.onnx FEATURE_TENSOR HEAD.onnx|random
 * [images]} (default 640 images of the test split, after a warm-up of 64). {@code random} composes a
 * seeded random 1280 → 128 head: the head's weights do not change its cost.
 */
public final class EncoderThroughput {

  private EncoderThroughput() {}

  /** Runs the measurement and prints one table row per batch size, then the stages. */
  public static void main(String[] args) throws IOException {
    if (args.length < 4) {
      System.err.println("usage: EncoderThroughput CALTECH_DIR BACKBONE.onnx FEATURE_TENSOR HEAD.onnx|random [images]");
      System.exit(2);
    }
    Path root = Path.of(args[0]);
    int count = args.length > 4 ? Integer.parseInt(args[4]) : 640;
    List<Path> images = Files.readAllLines(root.resolve("test.txt")).stream().filter(s -> !s.isBlank())
        .map(s -> root.resolve("101_ObjectCategories").resolve(s)).limit(count + 64L).toList();
    byte[] backbone = Files.readAllBytes(Path.of(args[1]));
    NhlHead head = args[3].equals("random") ? randomHead(OnnxModels.featureDim(backbone, args[2]))
        : OnnxModels.readHead(Files.readAllBytes(Path.of(args[3])));
    Path model = Files.createTempFile("nhl-composed", ".onnx");
    try {
      OnnxModels.write(OnnxModels.compose(backbone, args[2], head), model);
      System.out.printf(Locale.ROOT, "# %d Caltech-101 test images (JPEG decoding included), %d cores, JDK %s%n",
          count, Runtime.getRuntime().availableProcessors(), Runtime.version());
      System.out.println("| batch size | images/s | ms per image |");
      System.out.println("| ---: | ---: | ---: |");
      for (int batch : new int[] {1, 16, 32, 64}) {
        try (ImageEncoder enc = ImageEncoder.open(model, ImageEncoder.Options.defaults().withBatchSize(batch)
            .withDevice(Device.CPU))) {
          enc.encode(images.subList(0, 64));
          long t0 = System.nanoTime();
          List<ImageEncoder.Result> rs = enc.encode(images.subList(64, images.size()));
          double s = (System.nanoTime() - t0) / 1e9;
          long failed = rs.stream().filter(r -> !r.ok()).count();
          if (failed > 0) {
            throw new IllegalStateException(failed + " images failed to encode");
          }
          System.out.printf(Locale.ROOT, "| %d%s | %.1f | %.2f |%n", batch, batch == 32 ? " (default)" : "",
              rs.size() / s, 1000 * s / rs.size());
        }
      }
      stages(images);
      inferenceAlone(model);
    } finally {
      Files.deleteIfExists(model);
    }
  }

  /** Milliseconds per image of each stage before inference, on one thread. */
  private static void stages(List<Path> images) throws IOException {
    Preprocessing pre = Preprocessing.imagenet();
    int s = pre.cropSize();
    float[] tensor = new float[3 * s * s];
    List<ImageDecoder.Pixels> decoded = new ArrayList<>();
    for (Path p : images.subList(0, 64)) {
      decoded.add(ImageDecoder.decode(p));
    }
    long t0 = System.nanoTime();
    for (Path p : images.subList(64, images.size())) {
      ImageDecoder.decode(p);
    }
    double decode = (System.nanoTime() - t0) / 1e6 / (images.size() - 64);
    long sink = 0;
    double prep = Double.MAX_VALUE;
    double hash = Double.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long t1 = System.nanoTime();
      for (ImageDecoder.Pixels p : decoded) {
        pre.tensor(p.rgb(), p.width(), p.height(), 3, tensor, 0);
        sink += Float.floatToIntBits(tensor[round]);
      }
      long t2 = System.nanoTime();
      for (ImageDecoder.Pixels p : decoded) {
        sink += PerceptualHash.of(p)[0];
      }
      long t3 = System.nanoTime();
      prep = Math.min(prep, (t2 - t1) / 1e6 / decoded.size());
      hash = Math.min(hash, (t3 - t2) / 1e6 / decoded.size());
    }
    System.out.printf(Locale.ROOT, "# one thread, ms per image: decoding %.2f, preprocessing %.2f, perceptual hash %.2f (%d)%n",
        decode, prep, hash, sink & 1);
  }

  /**
   * Images per second of inference alone, as the encoder arranges it on the CPU (a thread a core,
   * each running batches of 32 on one ONNX Runtime thread), on tensors made beforehand: the
   * ceiling that decoding and preprocessing then share the cores with.
   */
  private static void inferenceAlone(Path model) throws IOException {
    int cores = Runtime.getRuntime().availableProcessors();
    int batch = 32;
    int rounds = 6;
    ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
    float[] x = new float[batch * 3 * 224 * 224];
    Random r = new Random(7);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    try (ai.onnxruntime.OrtSession.SessionOptions opts = new ai.onnxruntime.OrtSession.SessionOptions()) {
      opts.setIntraOpNumThreads(1);
      try (ai.onnxruntime.OrtSession session = env.createSession(model.toString(), opts)) {
        String input = session.getInputNames().iterator().next();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(cores);
        try {
          double best = 0;
          for (int rep = 0; rep < 3; rep++) {
            List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int k = 0; k < rounds * cores; k++) {
              fs.add(pool.submit(() -> {
                try (ai.onnxruntime.OnnxTensor t = ai.onnxruntime.OnnxTensor.createTensor(env,
                        java.nio.FloatBuffer.wrap(x), new long[] {batch, 3, 224, 224});
                    ai.onnxruntime.OrtSession.Result res = session.run(java.util.Map.of(input, t))) {
                  return null;
                }
              }));
            }
            for (java.util.concurrent.Future<?> f : fs) {
              f.get();
            }
            best = Math.max(best, rounds * cores * batch / ((System.nanoTime() - t0) / 1e9));
          }
          System.out.printf(Locale.ROOT, "# inference alone (%d threads, one ONNX Runtime thread each, batches of %d): %.1f images/s%n",
              cores, batch, best);
        } finally {
          pool.shutdown();
        }
      }
    } catch (ai.onnxruntime.OrtException | InterruptedException | java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("inference alone failed: " + e, e);
    }
  }

  private static NhlHead randomHead(int dim) {
    Random r = new Random(42);
    CodeSpec spec = CodeSpec.of(8, 16, 32, 64, 128);
    float[] mean = new float[dim];
    float[] w = new float[spec.maxBits() * dim];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() / Math.sqrt(dim));
    }
    return new NhlHead(spec, dim, 0, mean, 1f, new float[0], new float[0], w, new float[spec.maxBits()]);
  }
}
