package dev.nhl.bench;

import dev.nhl.encoder.training.Labels;
import dev.nhl.encoder.training.NhlTrainer;
import dev.nhl.encoder.training.TrainerConfig;
import dev.nhl.encoder.training.Trunk;
import dev.nhl.encoder.training.TrunkMaps;
import dev.nhl.index.CodeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Training speed at the two shapes the experiments train: a head with a hidden layer on
 * Fashion-MNIST-sized inputs (784 → 256 → 128 bits, batch 128) and MobileNetV2's last 1x1
 * convolution trained with a head (320 → 1280 channels at 49 places, batch 64). Full NHL (weighting
 * and distillation on), seeded random data of those shapes: the cost of an epoch does not depend on
 * the values. Prints items per second of each epoch after the first (a warm-up), validation
 * included.
 *
 * <p>Usage: {@code TrainingThroughput [epochs]} (default 4).
 */
public final class TrainingThroughput {

  static final CodeSpec SPEC = CodeSpec.of(8, 16, 32, 64, 128);

  private TrainingThroughput() {}

  /** Runs both shapes and prints one line each. */
  public static void main(String[] args) {
    int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    System.out.printf(Locale.ROOT, "# training throughput, full NHL, %d epochs (first one dropped); %d cores, JDK %s%n",
        epochs, Runtime.getRuntime().availableProcessors(), Runtime.version());
    Random r = new Random(42);
    int items = 20_000;
    int dim = 784;
    float[] features = new float[items * dim];
    for (int i = 0; i < features.length; i++) {
      features[i] = r.nextFloat();
    }
    Labels labels = labels(items, 10, r);
    TrainerConfig head = TrainerConfig.builder(SPEC).hiddenUnits(256).batchSize(128).epochs(epochs)
        .patience(epochs + 1).build();
    List<Double> seconds = new ArrayList<>();
    new NhlTrainer(head).train(features, dim, labels, e -> seconds.add(e.seconds()));
    report("head 784 -> 256 -> 128 bits, batch 128", items, seconds);

    int photos = 2_000;
    int in = 320;
    int out = 1280;
    int places = 49;
    byte[] stored = new byte[photos * 2 * in * places];
    r.nextBytes(stored);
    TrunkMaps maps = new TrunkMaps(photos, 2, in * places, stored, 0.05f, 0, true);
    float[] w = new float[out * in];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() * 0.05);
    }
    Trunk trunk = new Trunk(in, out, places, w, new float[out], 0f, 6f);
    TrainerConfig trunked = TrainerConfig.builder(SPEC).batchSize(64).trunkLearningRate(1e-4).epochs(epochs)
        .patience(epochs + 1).build();
    seconds.clear();
    new NhlTrainer(trunked).train(maps, trunk, labels(photos, 101, r), e -> seconds.add(e.seconds()));
    report("trunk 320 -> 1280 at 49 places + head, batch 64", photos, seconds);
  }

  private static Labels labels(int n, int classes, Random r) {
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(classes);
    }
    return Labels.single(y, classes);
  }

  private static void report(String what, int items, List<Double> seconds) {
    double sum = 0;
    for (double s : seconds.subList(1, seconds.size())) {
      sum += s;
    }
    double perEpoch = sum / (seconds.size() - 1);
    System.out.printf(Locale.ROOT, "%-50s %8.1f s/epoch  %9.0f items/s%n", what, perEpoch, items / perEpoch);
  }
}
