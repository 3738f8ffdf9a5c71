package dev.nhl.encoder.training;

import dev.nhl.index.CodeSpec;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Trains a Nested Hash Layer head on features and labels: one run gives codes of every length of
 * the spec. Each length's prefix of the layer's outputs has its own {@link Objective}; {@link
 * TrainerConfig.Mode} switches dominance-aware dynamic weighting of the per-length losses and
 * long-short cascade self-distillation. Adam, mini-batches; training stops when no length's
 * validation mAP improved for {@code patience} epochs, and the head of the epoch with the best mean
 * of the per-length validation mAP is kept. Deterministic for a given configuration and data, whatever the
 * number of threads.
 *
 * <pre>{@code
 * TrainerConfig config = TrainerConfig.builder(CodeSpec.of(8, 16, 32, 64, 128)).hiddenUnits(256).build();
 * NhlHead head = new NhlTrainer(config).train(features, 784, Labels.single(classes, 10), System.out::println);
 * byte[][] codes = head.encode(testFeatures);
 * }</pre>
 */
public final class NhlTrainer {

  /** Validation database items are sampled down to this many training items. */
  static final int VALIDATION_DATABASE = 5000;
  /** Validation queries are sampled down to this many held-out items. */
  static final int VALIDATION_QUERIES = 1000;

  private final TrainerConfig config;

  /** A trainer for one configuration. */
  public NhlTrainer(TrainerConfig config) {
    this.config = config;
  }

  /**
   * The state after one epoch.
   *
   * @param epoch 1-based epoch number
   * @param loss mean training loss of the epoch (weighted sum over lengths)
   * @param validationMap per length, the validation mAP@K ({@code validationTopK}); empty
   *     without a validation split
   * @param weights per length, the mean loss weight over the epoch's batches
   * @param weightingShare share of the epoch's mini-batches in which dominance-aware weighting
   *     changed a weight (0 when weighting is off)
   * @param seconds wall time of the epoch, validation included
   */
  public record EpochReport(int epoch, double loss, double[] validationMap, double[] weights, double weightingShare,
      double seconds) {

    /** One line: epoch, loss, validation mAP per length, weights, time. */
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT, "epoch %3d  loss %.4f", epoch, loss));
      if (validationMap.length > 0) {
        sb.append("  val mAP");
        for (double m : validationMap) {
          sb.append(String.format(java.util.Locale.ROOT, " %.3f", m));
        }
      }
      if (weights.length > 1) {
        sb.append("  weights");
        for (double w : weights) {
          sb.append(String.format(java.util.Locale.ROOT, " %.2f", w));
        }
      }
      return sb.append(String.format(java.util.Locale.ROOT, "  %.1f s", seconds)).toString();
    }
  }

  /**
   * Trains a head.
   *
   * @param features {@code labels.size() x dim} row-major
   * @param dim features per item
   * @param labels one label set per item
   * @param progress receives a report after every epoch (may be null)
   * @return the head of the best validation epoch (the last epoch without a validation split)
   * @throws IllegalArgumentException if the shapes disagree, a feature is not finite, or there are
   *     too few items for a batch
   */
  public NhlHead train(float[] features, int dim, Labels labels, Consumer<EpochReport> progress) {
    if (dim < 1 || features.length != (long) labels.size() * dim) {
      throw new IllegalArgumentException("expected " + labels.size() + " x " + dim + " features, got "
          + features.length + " values");
    }
    checkFinite(features, dim);
    return loop(features, dim, labels, null, null, progress).head();
  }

  /**
   * A trunk trained with its head, and the head.
   *
   * @param trunk the trained trunk, which gives the head its features
   * @param head the trained head
   */
  public record TrunkAndHead(Trunk trunk, NhlHead head) {}

  /**
   * Trains a trunk and a head together: each epoch every training item is seen through one of its
   * views, drawn at random; the trunk learns at {@link TrainerConfig#trunkLearningRate()}. The
   * head's input standardisation is fixed from the initial trunk's features. Validation and the
   * kept epoch work as in {@link #train(float[], int, Labels, Consumer)}, on view 0.
   *
   * @param maps the items' maps, one per view
   * @param initial the trunk to start from (for a backbone's own, {@code OnnxModels.trunkSite})
   * @param labels one label set per item
   * @param progress receives a report after every epoch (may be null)
   * @throws IllegalArgumentException if the maps do not fit the trunk or the labels
   */
  public TrunkAndHead train(TrunkMaps maps, Trunk initial, Labels labels, Consumer<EpochReport> progress) {
    if (maps.items() != labels.size()) {
      throw new IllegalArgumentException("expected maps of " + labels.size() + " items, got " + maps.items());
    }
    if (maps.mapSize() != initial.inputChannels() * initial.positions()) {
      throw new IllegalArgumentException("the trunk reads maps of " + initial.inputChannels() + " x "
          + initial.positions() + " values, got maps of " + maps.mapSize());
    }
    int[] all = java.util.stream.IntStream.range(0, labels.size()).toArray();
    float[] features = trunkFeatures(initial, maps, all);
    checkFinite(features, initial.outputChannels());
    return loop(features, initial.outputChannels(), labels, maps, initial, progress);
  }

  /** The pooled features of items at view 0, in slices that keep the trunk's buffers small. */
  static float[] trunkFeatures(Trunk trunk, TrunkMaps maps, int[] items) {
    int out = trunk.outputChannels();
    float[] f = new float[items.length * out];
    for (int from = 0; from < items.length; from += 256) {
      int[] part = Arrays.copyOfRange(items, from, Math.min(items.length, from + 256));
      System.arraycopy(trunk.features(maps.centre(part)), 0, f, from * out, part.length * out);
    }
    return f;
  }

  private static void checkFinite(float[] features, int dim) {
    for (int i = 0; i < features.length; i++) {
      if (!Float.isFinite(features[i])) {
        throw new IllegalArgumentException("feature " + (i % dim) + " of item " + (i / dim) + " is " + features[i]);
      }
    }
  }

  private TrunkAndHead loop(float[] features, int dim, Labels labels, TrunkMaps maps, Trunk trunk,
      Consumer<EpochReport> progress) {
    Random random = new Random(config.seed());
    int n = labels.size();
    int[] order = shuffled(n, random);
    int valCount = config.validationFraction() == 0 ? 0 : Math.max(1, (int) Math.round(n * config.validationFraction()));
    int[] val = Arrays.copyOfRange(order, 0, valCount);
    int[] train = Arrays.copyOfRange(order, valCount, n);
    if (train.length < config.batchSize()) {
      throw new IllegalArgumentException("need at least one batch of " + config.batchSize()
          + " training items, got " + train.length + " (after holding out " + valCount + " for validation)");
    }
    Run run = new Run(config, features, dim, labels, train, random, maps, trunk);
    double best = -1;
    double[] bestPerLength = new double[config.spec().stages()];
    Arrays.fill(bestPerLength, -1);
    TrunkAndHead kept = null;
    int sinceBest = 0;
    for (int epoch = 1; epoch <= config.epochs(); epoch++) {
      long t0 = System.nanoTime();
      double loss = run.epoch();
      TrunkAndHead now = new TrunkAndHead(run.trunk(), run.head());
      // a trained trunk changes every item's features: validation recomputes those it uses
      float[] current = trunk == null || valCount == 0 ? features : run.currentFeatures(val, train);
      double[] maps0 = valCount == 0 ? new double[0] : validate(now.head(), current, dim, labels, val, train);
      if (progress != null) {
        progress.accept(new EpochReport(epoch, loss, maps0, run.meanWeights(), run.weightingShare(),
            (System.nanoTime() - t0) / 1e9));
      }
      if (valCount == 0) {
        kept = now;
        continue;
      }
      // the head kept is the epoch of best mean mAP; training goes on while any length still improves
      double mean = Arrays.stream(maps0).average().orElse(0);
      if (mean > best) {
        best = mean;
        kept = now;
      }
      boolean improved = false;
      for (int i = 0; i < maps0.length; i++) {
        if (maps0[i] > bestPerLength[i]) {
          bestPerLength[i] = maps0[i];
          improved = true;
        }
      }
      if (improved) {
        sinceBest = 0;
      } else if (++sinceBest >= config.patience()) {
        break;
      }
    }
    return kept;
  }

  private double[] validate(NhlHead head, float[] features, int dim, Labels labels, int[] val, int[] train) {
    int[] queries = validationQueries(val);
    int[] database = validationDatabase(train);
    RetrievalMetrics metrics = RetrievalMetrics.of(
        head.encode(rows(features, dim, queries)), labels.subset(queries),
        head.encode(rows(features, dim, database)), labels.subset(database));
    CodeSpec spec = head.spec();
    double[] maps = new double[spec.stages()];
    for (int i = 0; i < maps.length; i++) {
      maps[i] = metrics.meanAveragePrecision(spec.length(i), config.validationTopK());
    }
    return maps;
  }

  static int[] validationQueries(int[] val) {
    return Arrays.copyOf(val, Math.min(val.length, VALIDATION_QUERIES));
  }

  static int[] validationDatabase(int[] train) {
    return Arrays.copyOf(train, Math.min(train.length, VALIDATION_DATABASE));
  }

  static float[] rows(float[] features, int dim, int[] items) {
    float[] out = new float[items.length * dim];
    for (int i = 0; i < items.length; i++) {
      System.arraycopy(features, items[i] * dim, out, i * dim, dim);
    }
    return out;
  }

  static int[] shuffled(int n, Random random) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** One training run's parameters, optimiser state and per-length objectives. */
  static final class Run {
    final TrainerConfig config;
    final float[] features;
    final int dim;
    final int[] train;
    final Random random;
    final int[] lengths;
    final int outputs;
    final int hidden;
    final int width;
    final float[] mean;
    final float scale;
    final float[] w1;
    final float[] b1;
    final float[] w;
    final float[] b;
    final Adam[] adam = new Adam[4];
    final LengthObjective[] objectives;
    // a trainable trunk: its maps, shapes, parameters and optimiser state (all null without one)
    final TrunkMaps maps;
    final Trunk trunk;
    final float[] tw;
    final float[] tb;
    final Adam[] trunkAdam;
    // per training position, the view it is seen through this epoch
    int[] views;
    private double[] weightSums;
    private int batches;
    private int weightedBatches;

    Run(TrainerConfig config, float[] features, int dim, Labels labels, int[] train, Random random) {
      this(config, features, dim, labels, train, random, null, null);
    }

    Run(TrainerConfig config, float[] features, int dim, Labels labels, int[] train, Random random, TrunkMaps maps,
        Trunk trunk) {
      this.config = config;
      this.maps = maps;
      this.trunk = trunk;
      this.tw = trunk == null ? null : trunk.weights();
      this.tb = trunk == null ? null : trunk.bias();
      this.trunkAdam = trunk == null ? null : new Adam[] {new Adam(tw.length), new Adam(tb.length)};
      this.views = new int[train.length];
      this.features = features;
      this.dim = dim;
      this.train = train;
      this.random = random;
      this.lengths = config.spec().lengths();
      this.outputs = config.spec().maxBits();
      this.hidden = config.hiddenUnits();
      this.width = hidden > 0 ? hidden : dim;
      this.mean = new float[dim];
      this.scale = standardisation(features, dim, train, mean);
      this.w1 = new float[hidden * dim];
      this.b1 = new float[hidden];
      this.w = new float[outputs * width];
      this.b = new float[outputs];
      // PyTorch's nn.Linear initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
      init(w1, dim, random);
      init(b1, dim, random);
      init(w, width, random);
      init(b, width, random);
      float[][] params = {w1, b1, w, b};
      for (int i = 0; i < 4; i++) {
        adam[i] = new Adam(params[i].length);
      }
      Labels trainLabels = labels.subset(train);
      this.objectives = new LengthObjective[lengths.length];
      if (config.objective() == Objective.CSQ) {
        System.arraycopy(Csq.forLengths(lengths, trainLabels, config.centres(), config.centreSpec().lengths(),
            config.seed()), 0, objectives, 0, lengths.length);
      } else {
        for (int i = 0; i < lengths.length; i++) {
          objectives[i] = config.objective().create(lengths[i], trainLabels, config.pairSample(),
              config.seed() * 31 + lengths[i]);
        }
      }
    }

    private static float standardisation(float[] features, int dim, int[] items, float[] mean) {
      double[] sum = new double[dim];
      double[] sq = new double[dim];
      for (int item : items) {
        for (int j = 0; j < dim; j++) {
          double f = features[item * dim + j];
          sum[j] += f;
          sq[j] += f * f;
        }
      }
      double var = 0;
      for (int j = 0; j < dim; j++) {
        mean[j] = (float) (sum[j] / items.length);
        var += Math.max(0, sq[j] / items.length - (double) mean[j] * mean[j]);
      }
      return (float) Math.max(1e-6, Math.sqrt(var / dim));
    }

    private static void init(float[] p, int fanIn, Random random) {
      double bound = 1 / Math.sqrt(fanIn);
      for (int i = 0; i < p.length; i++) {
        p[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
      }
    }

    NhlHead head() {
      return new NhlHead(config.spec(), dim, hidden, mean, scale, w1, b1, w, b);
    }

    /** The trunk as trained so far, null without one. */
    Trunk trunk() {
      return trunk == null ? null : trunk.with(tw, tb);
    }

    /**
     * Features of every item validation reads, through the trunk as trained so far (view 0); the
     * other rows are left as they were.
     */
    float[] currentFeatures(int[] val, int[] trainItems) {
      float[] f = features.clone();
      Trunk now = trunk();
      for (int[] items : new int[][] {validationQueries(val), validationDatabase(trainItems)}) {
        float[] part = trunkFeatures(now, maps, items);
        for (int r = 0; r < items.length; r++) {
          System.arraycopy(part, r * dim, f, items[r] * dim, dim);
        }
      }
      return f;
    }

    /** Share of the last epoch's batches in which the weighting rule changed a weight. */
    double weightingShare() {
      return batches == 0 ? 0 : weightedBatches / (double) batches;
    }

    double[] meanWeights() {
      double[] m = new double[lengths.length];
      for (int i = 0; i < m.length; i++) {
        m[i] = batches == 0 ? 1 : weightSums[i] / batches;
      }
      return m;
    }

    /** One pass over the training items in a fresh order; returns the mean batch loss. */
    double epoch() {
      int[] order = shuffled(train.length, random);
      if (maps != null) {
        for (int i = 0; i < views.length; i++) {
          views[i] = random.nextInt(maps.views());
        }
      }
      weightSums = new double[lengths.length];
      batches = 0;
      weightedBatches = 0;
      double total = 0;
      int bs = config.batchSize();
      // a last batch smaller than half a batch is dropped: pairwise terms need company
      for (int from = 0; from + bs / 2 <= order.length && from < order.length; from += bs) {
        int[] pos = Arrays.copyOfRange(order, from, Math.min(order.length, from + bs));
        total += step(pos);
        batches++;
      }
      return total / Math.max(1, batches);
    }

    /** Forward, losses, weights, backward and one Adam step for the batch of training positions. */
    double step(int[] pos) {
      Gradients g = gradients(pos, true, null, null);
      boolean changed = false;
      for (int i = 0; i < lengths.length; i++) {
        weightSums[i] += g.weights[i];
        changed |= Math.abs(g.weights[i] - 1) > 1e-9;
      }
      weightedBatches += changed ? 1 : 0;
      float[][] params = {w1, b1, w, b};
      float[][] grads = {g.w1, g.b1, g.w, g.b};
      for (int i = hidden > 0 ? 0 : 2; i < 4; i++) {
        adam[i].step(params[i], grads[i], config.learningRate(), config.weightDecay());
      }
      if (trunk != null) {
        trunkAdam[0].step(tw, g.tw(), config.trunkLearningRate(), config.weightDecay());
        trunkAdam[1].step(tb, g.tb(), config.trunkLearningRate(), config.weightDecay());
      }
      return g.loss;
    }

    /** A batch's weighted loss, the weights it used, and the loss's gradient for every parameter. */
    record Gradients(double loss, double[] weights, float[][] prefixes, float[] w1, float[] b1, float[] w, float[] b,
        float[] tw, float[] tb) {}

    /**
     * @param record whether the batch's outputs go into the objectives' memory banks first
     * @param fixedWeights weights to use instead of computing them (null: by the mode)
     * @param fixedTeachers per length, distillation teachers to use instead of the batch's own
     *     longer prefixes (null: the batch's own, as training does)
     */
    Gradients gradients(int[] pos, boolean record, double[] fixedWeights, float[][] fixedTeachers) {
      int rows = pos.length;
      float[] x = new float[rows * dim];
      float inv = 1f / scale;
      Trunk.Pass pass = null;
      float[] source = features;
      int[] at = new int[rows];
      if (trunk != null) {
        int[] items = new int[rows];
        int[] itemViews = new int[rows];
        for (int r = 0; r < rows; r++) {
          items[r] = train[pos[r]];
          itemViews[r] = views[pos[r]];
          at[r] = r;
        }
        pass = trunk.forward(maps.maps(items, itemViews), rows, tw, tb);
        source = pass.pooled();
      } else {
        for (int r = 0; r < rows; r++) {
          at[r] = train[pos[r]];
        }
      }
      for (int r = 0; r < rows; r++) {
        int o = at[r] * dim;
        for (int j = 0; j < dim; j++) {
          x[r * dim + j] = (source[o + j] - mean[j]) * inv;
        }
      }
      float[] h = x;
      if (hidden > 0) {
        h = new float[rows * hidden];
        Linalg.gemmNT(x, rows, dim, w1, hidden, h, false);
        for (int r = 0; r < rows; r++) {
          for (int j = 0; j < hidden; j++) {
            h[r * hidden + j] = Math.max(0f, h[r * hidden + j] + b1[j]);
          }
        }
      }
      float[] u = new float[rows * outputs];
      Linalg.gemmNT(h, rows, width, w, outputs, u, false);
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < outputs; j++) {
          u[r * outputs + j] += b[j];
        }
      }
      Terms terms = terms(u, rows, pos, record, fixedTeachers);
      double[] weights = fixedWeights != null ? fixedWeights
          : config.mode().weighting
              ? DominanceWeighting.weights(headGradients(terms.grads, h, rows), lengths, width, config.beta())
              : ones(lengths.length);
      float[] du = new float[rows * outputs];
      double loss = 0;
      for (int i = 0; i < lengths.length; i++) {
        loss += weights[i] * terms.losses[i];
        int k = lengths[i];
        float wi = (float) weights[i];
        for (int r = 0; r < rows; r++) {
          for (int j = 0; j < k; j++) {
            du[r * outputs + j] += wi * terms.grads[i][r * k + j];
          }
        }
      }
      float[] gw = new float[w.length];
      float[] gb = new float[b.length];
      Linalg.gemmTN(du, rows, outputs, h, width, gw);
      columnSums(du, rows, outputs, gb);
      float[] gw1 = new float[w1.length];
      float[] gb1 = new float[b1.length];
      float[] dx = null;
      if (hidden > 0) {
        float[] dh = new float[rows * hidden];
        Linalg.gemmNN(du, rows, outputs, w, hidden, dh);
        for (int i = 0; i < dh.length; i++) {
          if (h[i] <= 0f) {
            dh[i] = 0f;
          }
        }
        Linalg.gemmTN(dh, rows, hidden, x, dim, gw1);
        columnSums(dh, rows, hidden, gb1);
        if (trunk != null) {
          dx = new float[rows * dim];
          Linalg.gemmNN(dh, rows, hidden, w1, dim, dx);
        }
      } else if (trunk != null) {
        dx = new float[rows * dim];
        Linalg.gemmNN(du, rows, outputs, w, dim, dx);
      }
      float[] gtw = null;
      float[] gtb = null;
      if (trunk != null) {
        // through the fixed standardisation to the pooled features, then into the trunk
        for (int i = 0; i < dx.length; i++) {
          dx[i] *= inv;
        }
        gtw = new float[tw.length];
        gtb = new float[tb.length];
        trunk.backward(pass, dx, gtw, gtb);
      }
      return new Gradients(loss, weights, terms.prefixes, gw1, gb1, gw, gb, gtw, gtb);
    }

    /** Per length: its loss term (objective, plus distillation when on) and that term's gradient. */
    record Terms(double[] losses, float[][] grads, float[][] prefixes) {}

    Terms terms(float[] u, int rows, int[] pos, boolean record, float[][] fixedTeachers) {
      int n = lengths.length;
      float[][] prefixes = new float[n][];
      for (int i = 0; i < n; i++) {
        prefixes[i] = prefix(u, rows, outputs, lengths[i]);
      }
      double[] losses = new double[n];
      float[][] grads = new float[n][];
      for (int i = 0; i < n; i++) {
        grads[i] = new float[rows * lengths[i]];
        if (record) {
          objectives[i].record(prefixes[i], rows, pos);
        }
        losses[i] = objectives[i].lossAndGradient(prefixes[i], rows, pos, grads[i]);
      }
      if (config.mode().distillation && config.distillationWeight() > 0) {
        float lambda = (float) config.distillationWeight();
        for (int i = 0; i + 1 < n; i++) {
          float[] g = new float[rows * lengths[i]];
          float[] teacher = fixedTeachers != null ? fixedTeachers[i + 1] : prefixes[i + 1];
          double sp = CascadeDistillation.lossAndGradient(prefixes[i], lengths[i], teacher, lengths[i + 1], rows, g);
          losses[i] += lambda * sp;
          for (int j = 0; j < g.length; j++) {
            grads[i][j] += lambda * g[j];
          }
        }
      }
      return new Terms(losses, grads, prefixes);
    }

    /** Each term's gradient with respect to the nested layer's weight rows {@code [0, K_i)}. */
    float[][] headGradients(float[][] grads, float[] h, int rows) {
      float[][] g = new float[lengths.length][];
      for (int i = 0; i < lengths.length; i++) {
        g[i] = new float[lengths[i] * width];
        Linalg.gemmTN(grads[i], rows, lengths[i], h, width, g[i]);
      }
      return g;
    }
  }

  static float[] prefix(float[] u, int rows, int stride, int k) {
    float[] p = new float[rows * k];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(u, r * stride, p, r * k, k);
    }
    return p;
  }

  private static void columnSums(float[] m, int rows, int cols, float[] out) {
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < cols; j++) {
        out[j] += m[r * cols + j];
      }
    }
  }

  private static double[] ones(int n) {
    double[] a = new double[n];
    Arrays.fill(a, 1.0);
    return a;
  }
}
