package dev.nhl.bench;

import dev.nhl.encoder.training.IdxFiles;
import dev.nhl.encoder.training.Labels;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.encoder.training.NhlTrainer;
import dev.nhl.encoder.training.Objective;
import dev.nhl.encoder.training.RetrievalMetrics;
import dev.nhl.encoder.training.TrainerConfig;
import dev.nhl.index.CodeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Nested Hash Layer experiment: single-length baselines (one run per length) against one
 * nested run in each mode (plain, + dynamic weighting, + cascade distillation, full), mAP@1000 per
 * length on the test queries against the training database, and the wall time of the runs.
 *
 * <p>Usage: {@code NhlExperiment fashion [--epochs N] [--save-head FILE]} (Fashion-MNIST pixels,
 * hidden layer; the Debian package {@code dataset-fashion-mnist}) or {@code NhlExperiment caltech
 * FEATURES [--epochs N] [--save-head FILE]} (Caltech-101 MobileNetV2 features, as written by
 * {@link CaltechFeatures}). {@code --save-head} writes the full NHL head as ONNX.
 */
public final class NhlExperiment {

  static final CodeSpec SPEC = CodeSpec.of(8, 16, 32, 64, 128);
  static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

  private NhlExperiment() {}

  /** A dataset split into training items (the database) and test queries. */
  record Split(String name, float[] train, Labels trainLabels, float[] test, Labels testLabels, int dim) {}

  /** Runs the experiment and prints its tables. */
  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: NhlExperiment fashion [--epochs N] [--save-head FILE] | caltech FEATURES [--epochs N] [--save-head FILE]");
      System.exit(2);
    }
    Split split;
    TrainerConfig.Builder config = TrainerConfig.builder(SPEC).objective(Objective.CSQ);
    int epochs;
    int next;
    if (args[0].equals("fashion")) {
      split = fashion(FASHION);
      epochs = 15;
      next = 1;
      config.hiddenUnits(256).batchSize(128).learningRate(1e-3);
    } else if (args[0].equals("caltech") && args.length > 1) {
      split = CaltechFeatures.read(Path.of(args[1]));
      epochs = 60;
      next = 2;
      config.batchSize(64).learningRate(1e-3);
    } else {
      throw new IllegalArgumentException("dataset must be fashion or caltech FEATURES, got " + String.join(" ", args));
    }
    Path saveHead = null;
    for (int i = next; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      switch (args[i]) {
        case "--epochs" -> epochs = Integer.parseInt(args[i + 1]);
        case "--save-head" -> saveHead = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    // a fixed number of epochs for every run, so that wall times compare; validation picks the epoch
    TrainerConfig base = config.epochs(epochs).patience(epochs).build();
    System.out.printf(Locale.ROOT, "# %s: %d training items (database), %d test queries, %d features; %s, %d epochs, "
            + "batch %d, lr %g, hidden %d; %d cores, JDK %s%n",
        split.name(), split.trainLabels().size(), split.testLabels().size(), split.dim(), base.objective(), epochs,
        base.batchSize(), base.learningRate(), base.hiddenUnits(), Runtime.getRuntime().availableProcessors(),
        Runtime.version());

    List<String> rows = new ArrayList<>();
    double singleSeconds = 0;
    double[] singleMaps = new double[SPEC.stages()];
    for (int i = 0; i < SPEC.stages(); i++) {
      int bits = SPEC.length(i);
      TrainerConfig c = base.withSpec(CodeSpec.of(bits)).withMode(TrainerConfig.Mode.PLAIN);
      long t0 = System.nanoTime();
      NhlHead head = new NhlTrainer(c).train(split.train(), split.dim(), split.trainLabels(),
          r -> System.err.println("single " + bits + ": " + r));
      double s = (System.nanoTime() - t0) / 1e9;
      singleSeconds += s;
      singleMaps[i] = evaluate(head, split)[0];
      System.err.printf(Locale.ROOT, "single %d bits: mAP@1000 %.4f, %.1f s%n", bits, singleMaps[i], s);
    }
    rows.add(row("single-length baselines (" + SPEC.stages() + " runs)", singleMaps, singleSeconds));
    double fullSeconds = 0;
    for (TrainerConfig.Mode mode : TrainerConfig.Mode.values()) {
      long t0 = System.nanoTime();
      NhlHead head = new NhlTrainer(base.withMode(mode)).train(split.train(), split.dim(), split.trainLabels(),
          r -> System.err.println(mode + ": " + r));
      double s = (System.nanoTime() - t0) / 1e9;
      double[] maps = evaluate(head, split);
      System.err.printf(Locale.ROOT, "%s: %s, %.1f s%n", mode, java.util.Arrays.toString(maps), s);
      rows.add(row("NHL " + name(mode) + " (1 run)", maps, s));
      if (mode == TrainerConfig.Mode.FULL) {
        fullSeconds = s;
        if (saveHead != null) {
          dev.nhl.encoder.onnx.OnnxModels.write(dev.nhl.encoder.onnx.OnnxModels.head(head), saveHead);
        }
      }
    }
    if (base.objective() == Objective.CSQ) {
      // the same full run with the other choice of centres than the default took
      boolean nestedByDefault = split.trainLabels().classes() > 2 * SPEC.length(0);
      TrainerConfig.Centres other = nestedByDefault ? TrainerConfig.Centres.INDEPENDENT : TrainerConfig.Centres.NESTED;
      TrainerConfig alternative = new TrainerConfig(base.spec(), base.objective(), TrainerConfig.Mode.FULL,
          base.hiddenUnits(), base.epochs(), base.batchSize(), base.learningRate(), base.weightDecay(),
          base.distillationWeight(), base.beta(), base.validationFraction(), base.patience(), base.validationTopK(),
          base.seed(), other);
      String label = "FULL, " + other.name().toLowerCase(Locale.ROOT) + " centres";
      long t0 = System.nanoTime();
      NhlHead head = new NhlTrainer(alternative).train(split.train(), split.dim(), split.trainLabels(),
          r -> System.err.println(label + ": " + r));
      double s = (System.nanoTime() - t0) / 1e9;
      double[] maps = evaluate(head, split);
      System.err.printf(Locale.ROOT, "%s: %s, %.1f s%n", label, java.util.Arrays.toString(maps), s);
      rows.add(row("NHL full, " + other.name().toLowerCase(Locale.ROOT) + " centres (1 run)", maps, s));
    }
    printTable(rows, "wall time", "---:");
    System.out.printf(Locale.ROOT, "%nOne full NHL run: %.1f s; the %d single-length runs: %.1f s in all (%.2fx).%n",
        fullSeconds, SPEC.stages(), singleSeconds, singleSeconds / fullSeconds);
  }

  /** A markdown table of mAP per length: method, one column per length, average, and a last column. */
  static void printTable(List<String> rows, String last, String lastRule) {
    StringBuilder header = new StringBuilder("| method |");
    StringBuilder rule = new StringBuilder("| --- |");
    for (int bits : SPEC.lengths()) {
      header.append(' ').append(bits).append(" bits |");
      rule.append(" ---: |");
    }
    System.out.println();
    System.out.println(header + " average | " + last + " |");
    System.out.println(rule + " ---: | " + lastRule + " |");
    rows.forEach(System.out::println);
  }

  private static String name(TrainerConfig.Mode mode) {
    return switch (mode) {
      case PLAIN -> "plain";
      case WEIGHTED -> "+ weighting";
      case DISTILLED -> "+ distillation";
      case FULL -> "full";
    };
  }

  private static String row(String name, double[] maps, double seconds) {
    StringBuilder sb = new StringBuilder("| ").append(name).append(" |");
    double sum = 0;
    for (double m : maps) {
      sb.append(String.format(Locale.ROOT, " %.4f |", m));
      sum += m;
    }
    return sb.append(String.format(Locale.ROOT, " %.4f | %.1f s |", sum / maps.length, seconds)).toString();
  }

  /** mAP@1000 of the test queries against the training database, per length of the head's spec. */
  static double[] evaluate(NhlHead head, Split split) {
    RetrievalMetrics m = RetrievalMetrics.of(head.encode(split.test()), split.testLabels(),
        head.encode(split.train()), split.trainLabels());
    double[] maps = new double[head.spec().stages()];
    for (int i = 0; i < maps.length; i++) {
      maps[i] = m.meanAveragePrecision(head.spec().length(i), 1000);
    }
    return maps;
  }

  static Split fashion(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("Fashion-MNIST not found in " + dir + ": apt-get install -y dataset-fashion-mnist");
    }
    IdxFiles.Images train = IdxFiles.readImages(dir.resolve("train-images-idx3-ubyte.gz"));
    int[] trainY = IdxFiles.readLabels(dir.resolve("train-labels-idx1-ubyte.gz"));
    IdxFiles.Images test = IdxFiles.readImages(dir.resolve("t10k-images-idx3-ubyte.gz"));
    int[] testY = IdxFiles.readLabels(dir.resolve("t10k-labels-idx1-ubyte.gz"));
    return new Split("Fashion-MNIST (pixels)", train.pixels(), Labels.single(trainY, 10), test.pixels(),
        Labels.single(testY, 10), train.dim());
  }
}
