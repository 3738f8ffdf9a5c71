package dev.nhl.bench;

import dev.nhl.encoder.training.BackboneLabels;
import dev.nhl.encoder.training.Labels;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.encoder.training.NhlTrainer;
import dev.nhl.encoder.training.Objective;
import dev.nhl.encoder.training.RetrievalMetrics;
import dev.nhl.encoder.training.TrainerConfig;
import dev.nhl.index.CodeSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Heads trained without labels, against the ones trained with them: on a photo set whose labels
 * serve only to score, mAP@1000 per code length of
 *
 * <ul>
 *   <li>the cosine ranking of the backbone's pooled features (mean-centred, L2-normalised; no
 *       codes, the same at every length),
 *   <li>sign-of-random-projection codes of the same features (a Gaussian projection, each
 *       length the first bits of the longest: nested by construction),
 *   <li>the NHL head trained on the true labels (full mode, the supervised reference),
 *   <li>NHL heads trained on labels derived from the backbone's classifier
 *       ({@link BackboneLabels}), one per threshold and label limit asked for.
 * </ul>
 *
 * <p>Usage: {@code LabelFreeExperiment FEATURES [--epochs N] [--thresholds 0.05,0.1,0.2]
 * [--max-labels 1,3]}; FEATURES is written by {@link CaltechFeatures} with a score tensor.
 * Queries are the test split, the database the training split; derived labels come from the
 * training split's scores alone.
 */
public final class LabelFreeExperiment {

  static final CodeSpec SPEC = NhlExperiment.SPEC;
  static final int TOP_K = 1000;

  private LabelFreeExperiment() {}

  /** Runs the experiment and prints its table. */
  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: LabelFreeExperiment FEATURES [--epochs N] [--thresholds T,...] [--max-labels M,...]");
      System.exit(2);
    }
    int epochs = 60;
    double[] thresholds = {BackboneLabels.Options.DEFAULTS.threshold()};
    int[] maxLabels = {BackboneLabels.Options.DEFAULTS.maxLabels()};
    for (int i = 1; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      switch (args[i]) {
        case "--epochs" -> epochs = Integer.parseInt(args[i + 1]);
        case "--thresholds" -> thresholds = Arrays.stream(args[i + 1].split(",")).mapToDouble(Double::parseDouble).toArray();
        case "--max-labels" -> maxLabels = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    CaltechFeatures.Scored data = CaltechFeatures.readScored(Path.of(args[0]));
    if (data.scoreDim() == 0) {
      throw new IllegalArgumentException(args[0] + " has no class scores: write it with CaltechFeatures ... SCORE_TENSOR");
    }
    NhlExperiment.Split split = data.split();
    TrainerConfig base = TrainerConfig.builder(SPEC).objective(Objective.CSQ).mode(TrainerConfig.Mode.FULL)
        .batchSize(64).learningRate(1e-3).epochs(epochs).patience(epochs).seed(42).build();
    System.out.printf(Locale.ROOT, "# %s: %d database items, %d queries, %d features, %d class scores; %s %s, %d "
            + "epochs, batch %d; %d cores, JDK %s%n", split.name(), split.trainLabels().size(),
        split.testLabels().size(), split.dim(), data.scoreDim(), base.mode(), base.objective(), epochs,
        base.batchSize(), Runtime.getRuntime().availableProcessors(), Runtime.version());

    List<String> rows = new ArrayList<>();
    double cosine = cosineMap(split);
    double[] same = new double[SPEC.stages()];
    Arrays.fill(same, cosine);
    rows.add(row("cosine of the pooled features (no codes)", same, ""));
    rows.add(row("sign of a random projection", randomProjectionMaps(split), ""));
    long t0 = System.nanoTime();
    NhlHead supervised = new NhlTrainer(base).train(split.train(), split.dim(), split.trainLabels(),
        r -> System.err.println("supervised: " + r));
    rows.add(row("NHL full, true labels (supervised)", NhlExperiment.evaluate(supervised, split),
        String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - t0) / 1e9)));
    for (int m : maxLabels) {
      for (double t : thresholds) {
        BackboneLabels derived = BackboneLabels.derive(data.trainScores(), split.trainLabels().size(),
            data.scoreDim(), 0, data.scoreDim(), new BackboneLabels.Options(t, m));
        int[] kept = derived.labelled();
        float[] x = new float[kept.length * split.dim()];
        for (int i = 0; i < kept.length; i++) {
          System.arraycopy(split.train(), kept[i] * split.dim(), x, i * split.dim(), split.dim());
        }
        String name = String.format(Locale.ROOT, "NHL full, backbone labels (p >= %.2f, at most %d)", t, m);
        long t1 = System.nanoTime();
        NhlHead head = new NhlTrainer(base).train(x, split.dim(), derived.labels(), r -> System.err.println(name + ": " + r));
        double s = (System.nanoTime() - t1) / 1e9;
        String note = String.format(Locale.ROOT, "%.1f s; %d of %d photos labelled, %d classes, %.2f labels a photo, "
                + "label purity %.3f", s, kept.length, split.trainLabels().size(), derived.classesInUse(),
            derived.labelsPerPhoto(), purity(derived, split.trainLabels()));
        rows.add(row(name, NhlExperiment.evaluate(head, split), note));
        System.err.println(rows.get(rows.size() - 1));
      }
    }
    NhlExperiment.printTable(rows, "notes", "---");
  }

  /**
   * How well a derived class matches the true classes: over the labelled photo pairs that share a
   * derived class, the share that also share a true class (sampled pairs, seeded).
   */
  private static double purity(BackboneLabels d, Labels truth) {
    int[] kept = d.labelled();
    Labels derived = d.labels();
    Random r = new Random(7);
    long agree = 0;
    long pairs = 0;
    for (int s = 0; s < 2_000_000 && pairs < 50_000; s++) {
      int a = r.nextInt(kept.length);
      int b = r.nextInt(kept.length);
      if (a != b && derived.relevant(a, derived, b)) {
        pairs++;
        agree += truth.relevant(kept[a], truth, kept[b]) ? 1 : 0;
      }
    }
    return pairs == 0 ? 0 : agree / (double) pairs;
  }

  private static String row(String name, double[] maps, String note) {
    StringBuilder sb = new StringBuilder("| ").append(name).append(" |");
    double sum = 0;
    for (double m : maps) {
      sb.append(String.format(Locale.ROOT, " %.4f |", m));
      sum += m;
    }
    return sb.append(String.format(Locale.ROOT, " %.4f | %s |", sum / maps.length, note)).toString();
  }

  /** Features centred on the database mean and scaled to unit length, row by row. */
  private static float[] normalised(float[] x, int dim, double[] mean) {
    int n = x.length / dim;
    float[] out = new float[x.length];
    for (int i = 0; i < n; i++) {
      double norm = 0;
      for (int j = 0; j < dim; j++) {
        double v = x[i * dim + j] - mean[j];
        norm += v * v;
      }
      double inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (int j = 0; j < dim; j++) {
        out[i * dim + j] = (float) ((x[i * dim + j] - mean[j]) * inv);
      }
    }
    return out;
  }

  private static double[] mean(float[] x, int dim) {
    double[] m = new double[dim];
    int n = x.length / dim;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < dim; j++) {
        m[j] += x[i * dim + j];
      }
    }
    for (int j = 0; j < dim; j++) {
      m[j] /= n;
    }
    return m;
  }

  /** mAP@1000 of the cosine ranking, with {@link RetrievalMetrics}'s definition of AP@K. */
  static double cosineMap(NhlExperiment.Split s) {
    int dim = s.dim();
    double[] mean = mean(s.train(), dim);
    float[] db = normalised(s.train(), dim, mean);
    float[] qs = normalised(s.test(), dim, mean);
    int n = db.length / dim;
    int k = Math.min(TOP_K, n);
    double total = 0;
    int queries = qs.length / dim;
    float[] sim = new float[n];
    Integer[] order = new Integer[n];
    for (int q = 0; q < queries; q++) {
      for (int i = 0; i < n; i++) {
        float dot = 0;
        for (int j = 0; j < dim; j++) {
          dot += qs[q * dim + j] * db[i * dim + j];
        }
        sim[i] = dot;
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> sim[a] != sim[b] ? Float.compare(sim[b], sim[a]) : Integer.compare(a, b));
      double sum = 0;
      int seen = 0;
      for (int r = 0; r < k; r++) {
        if (s.testLabels().relevant(q, s.trainLabels(), order[r])) {
          seen++;
          sum += seen / (double) (r + 1);
        }
      }
      total += seen == 0 ? 0 : sum / seen;
    }
    return total / queries;
  }

  /**
   * mAP@1000 per length of sign-of-random-projection codes: a Gaussian projection of the centred
   * features, one bit per projection's sign, the classic locality-sensitive hash for cosine
   * similarity.
   */
  static double[] randomProjectionMaps(NhlExperiment.Split s) {
    int dim = s.dim();
    int bits = SPEC.maxBits();
    Random r = new Random(42);
    float[] w = new float[bits * dim];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    double[] mean = mean(s.train(), dim);
    RetrievalMetrics m = RetrievalMetrics.of(project(s.test(), dim, mean, w, bits), s.testLabels(),
        project(s.train(), dim, mean, w, bits), s.trainLabels());
    double[] maps = new double[SPEC.stages()];
    for (int i = 0; i < maps.length; i++) {
      maps[i] = m.meanAveragePrecision(SPEC.length(i), TOP_K);
    }
    return maps;
  }

  private static byte[][] project(float[] x, int dim, double[] mean, float[] w, int bits) {
    int n = x.length / dim;
    byte[][] codes = new byte[n][bits / 8];
    for (int i = 0; i < n; i++) {
      for (int b = 0; b < bits; b++) {
        double dot = 0;
        for (int j = 0; j < dim; j++) {
          dot += (x[i * dim + j] - mean[j]) * w[b * dim + j];
        }
        if (dot > 0) {
          // nhl's layout: the code's first bit is the most significant bit of its first byte
          codes[i][b >>> 3] |= (byte) (0x80 >>> (b & 7));
        }
      }
    }
    return codes;
  }
}
