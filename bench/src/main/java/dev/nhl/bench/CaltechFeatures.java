package dev.nhl.bench;

import dev.nhl.encoder.ImageEncoder;
import dev.nhl.encoder.onnx.OnnxModels;
import dev.nhl.encoder.training.Labels;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Caltech-101 features from a backbone: every image of the fixed train/test split through the
 * backbone cut at its feature tensor (MobileNetV2: tensor {@code 627}, pooled to 1280 values),
 * written to one file that {@link NhlExperiment} reads.
 *
 * <p>Usage: {@code CaltechFeatures CALTECH_DIR MODEL.onnx FEATURE_TENSOR OUT [SCORE_TENSOR]};
 * CALTECH_DIR holds {@code 101_ObjectCategories/}, {@code train.txt} and {@code test.txt}. With
 * SCORE_TENSOR (MobileNetV2: {@code output}) each image's class scores are stored after its
 * features, for {@link LabelFreeExperiment}.
 */
public final class CaltechFeatures {

  private static final int MAGIC = 0x4E484C46;
  // features followed by class scores; the header names how many of each
  private static final int MAGIC_SCORES = 0x4E484C53;

  /** Features of a split with the backbone's class scores of the same images. */
  record Scored(NhlExperiment.Split split, float[] trainScores, float[] testScores, int scoreDim) {}

  private CaltechFeatures() {}

  /** Extracts and writes the features. */
  public static void main(String[] args) throws IOException {
    if (args.length != 4 && args.length != 5) {
      System.err.println("usage: CaltechFeatures CALTECH_DIR MODEL.onnx FEATURE_TENSOR OUT [SCORE_TENSOR]");
      System.exit(2);
    }
    Path root = Path.of(args[0]);
    List<String> train = lines(root.resolve("train.txt"));
    List<String> test = lines(root.resolve("test.txt"));
    Map<String, Integer> classes = classes(train);
    Path model = Files.createTempFile("nhl-features", ".onnx");
    Path out = Path.of(args[3]).toAbsolutePath();
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    try {
      byte[] backbone = Files.readAllBytes(Path.of(args[1]));
      String scores = args.length == 5 ? args[4] : null;
      OnnxModels.write(scores == null ? OnnxModels.featureExtractor(backbone, args[2])
          : OnnxModels.featureExtractor(backbone, args[2], scores), model);
      try (ImageEncoder enc = ImageEncoder.open(model, ImageEncoder.Options.defaults());
          DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20))) {
        if (scores == null) {
          o.writeInt(MAGIC);
          o.writeInt(enc.outputDim());
        } else {
          int scoreDim = enc.outputDim() - OnnxModels.featureDim(backbone, args[2]);
          o.writeInt(MAGIC_SCORES);
          o.writeInt(enc.outputDim() - scoreDim);
          o.writeInt(scoreDim);
        }
        o.writeInt(classes.size());
        for (List<String> split : List.of(train, test)) {
          long t0 = System.nanoTime();
          o.writeInt(split.size());
          List<Path> paths = split.stream().map(s -> root.resolve("101_ObjectCategories").resolve(s)).toList();
          int[] done = {0};
          enc.encode(paths, r -> {
            if (!r.ok()) {
              throw new IllegalStateException("cannot encode " + r.path() + ": " + r.error());
            }
            String rel = split.get(done[0]++);
            try {
              o.writeInt(classes.get(rel.substring(0, rel.indexOf('/'))));
              for (float f : r.outputs()) {
                o.writeFloat(f);
              }
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
            if (done[0] % 500 == 0) {
              System.err.printf(Locale.ROOT, "%d/%d images, %.0f images/s%n", done[0], split.size(),
                  done[0] / ((System.nanoTime() - t0) / 1e9));
            }
          });
        }
      }
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(model);
      Files.deleteIfExists(tmp);
    }
  }

  /** The non-blank lines of a split file: paths relative to {@code 101_ObjectCategories/}. */
  static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file).stream().filter(s -> !s.isBlank()).toList();
  }

  /** Class numbers by folder name, in name order, from the training split's paths. */
  static Map<String, Integer> classes(List<String> train) {
    TreeMap<String, Integer> classes = new TreeMap<>();
    for (String s : train) {
      classes.putIfAbsent(s.substring(0, s.indexOf('/')), 0);
    }
    int c = 0;
    for (var e : classes.entrySet()) {
      e.setValue(c++);
    }
    return classes;
  }

  static NhlExperiment.Split read(Path file) throws IOException {
    return readScored(file).split();
  }

  /** The features and, when the file has them, the class scores (otherwise empty). */
  static Scored readScored(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
      int magic = in.readInt();
      if (magic != MAGIC && magic != MAGIC_SCORES) {
        throw new IOException(file + " is not a features file written by CaltechFeatures");
      }
      int features = in.readInt();
      int scoreDim = magic == MAGIC_SCORES ? in.readInt() : 0;
      int dim = features + scoreDim;
      int classes = in.readInt();
      List<float[]> x = new ArrayList<>();
      List<int[]> y = new ArrayList<>();
      for (int s = 0; s < 2; s++) {
        int n = in.readInt();
        float[] f = new float[n * dim];
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
          l[i] = in.readInt();
          for (int j = 0; j < dim; j++) {
            f[i * dim + j] = in.readFloat();
          }
        }
        x.add(f);
        y.add(l);
      }
      float[][] f = new float[2][];
      float[][] sc = new float[2][];
      for (int s = 0; s < 2; s++) {
        int n = x.get(s).length / dim;
        f[s] = new float[n * features];
        sc[s] = new float[n * scoreDim];
        for (int i = 0; i < n; i++) {
          System.arraycopy(x.get(s), i * dim, f[s], i * features, features);
          System.arraycopy(x.get(s), i * dim + features, sc[s], i * scoreDim, scoreDim);
        }
      }
      return new Scored(new NhlExperiment.Split("Caltech-101 (MobileNetV2 features)", f[0],
          Labels.single(y.get(0), classes), f[1], Labels.single(y.get(1), classes), features), sc[0], sc[1], scoreDim);
    }
  }
}
