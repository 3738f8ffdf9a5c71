package dev.nhl.bench;

import dev.nhl.encoder.training.BackboneLabels;
import dev.nhl.encoder.training.LabelFreeTrainer;
import dev.nhl.encoder.training.Labels;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.encoder.training.NhlTrainer;
import dev.nhl.encoder.training.Objective;
import dev.nhl.encoder.training.RetrievalMetrics;
import dev.nhl.encoder.training.TrainerConfig;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Codes for photos without labels, every method on one protocol: on a photo set whose classes
 * serve only to score (Caltech-101: database the training split, queries the test split), per code
 * length, mAP@1000, mAP@All and neighbourhood recall (the share of each query's 10 nearest
 * database photos by cosine of the features found in the Hamming top 10 and top 100); ties in
 * Hamming distance broken by a seeded shuffle of the database; every randomised method and the tie
 * order drawn again for each seed; mean ± sd over the seeds.
 *
 * <p>Methods: the cosine ranking of the features (no codes); sign of random projections (LSH);
 * sign of the principal components (PCA); ITQ trained for each length; nested ITQ ({@link
 * LabelFreeTrainer.Target#FEATURES}); the NHL head trained on labels from the backbone's
 * classifier ({@link BackboneLabels}); the label-free nested head ({@link LabelFreeTrainer}, the
 * graph target); and, as the reference that labels would give, the NHL head trained on the true
 * classes.
 *
 * <p>With {@code --validate}, the label-free head's settings are chosen first on a validation
 * split carved from the database (1,000 of its photos as queries, the rest as the database; the
 * test queries are not read), and the table then uses the best of them: the highest sum of the
 * mean mAP@1000 and the mean neighbourhood recall@10 over the lengths.
 *
 * <p>Usage: {@code LabelFreeExperiment FEATURES [--seeds 1,2,3] [--epochs N] [--validate]};
 * FEATURES is written by {@link CaltechFeatures} with a score tensor.
 */
public final class LabelFreeExperiment {

  static final CodeSpec SPEC = NhlExperiment.SPEC;
  static final int TOP_K = 1000;
  static final int VALIDATION_QUERIES = 1000;

  /** Codes of queries and database for each length of {@link #SPEC} (the same arrays for a nested method). */
  record Codebook(byte[][][] queries, byte[][][] database) {
    static Codebook nested(NhlHead head, float[] queries, float[] database) {
      byte[][] q = head.encode(queries);
      byte[][] d = head.encode(database);
      byte[][][] qs = new byte[SPEC.stages()][][];
      byte[][][] ds = new byte[SPEC.stages()][][];
      Arrays.fill(qs, q);
      Arrays.fill(ds, d);
      return new Codebook(qs, ds);
    }
  }

  /** Per length: mAP@1000, mAP@All, neighbourhood recall at 10 and 100. */
  record Scores(double[] map1000, double[] mapAll, double[] nr10, double[] nr100, double seconds) {}

  /** The data of one protocol run: database and queries, their labels, and the cosine neighbours. */
  record Protocol(float[] db, Labels dbLabels, float[] queries, Labels queryLabels, int dim, int[][] cosineTop) {
    int dbSize() {
      return dbLabels.size();
    }
  }

  private LabelFreeExperiment() {}

  /** Runs the experiment and prints its tables. */
  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: LabelFreeExperiment FEATURES [--seeds 1,2,3] [--epochs N] [--validate]");
      System.exit(2);
    }
    int epochs = 60;
    long[] seeds = {1, 2, 3};
    boolean validate = false;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--epochs" -> epochs = Integer.parseInt(args[++i]);
        case "--seeds" -> seeds = Arrays.stream(args[++i].split(",")).mapToLong(Long::parseLong).toArray();
        case "--validate" -> validate = true;
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    CaltechFeatures.Scored data = CaltechFeatures.readScored(Path.of(args[0]));
    NhlExperiment.Split split = data.split();
    System.out.printf(Locale.ROOT, "# %s: %d database items, %d queries, %d features, %d class scores; seeds %s; "
            + "%d cores, JDK %s%n", split.name(), split.trainLabels().size(), split.testLabels().size(), split.dim(),
        data.scoreDim(), Arrays.toString(seeds), Runtime.getRuntime().availableProcessors(), Runtime.version());

    LabelFreeTrainer.Options chosen = LabelFreeTrainer.Options.DEFAULTS;
    if (validate) {
      chosen = validate(split);
    }
    System.out.println("# label-free options: " + chosen);
    Protocol test = protocol(split.train(), split.trainLabels(), split.test(), split.testLabels(), split.dim());
    Map<String, List<Scores>> results = new LinkedHashMap<>();
    int dim = split.dim();
    TrainerConfig supervised = TrainerConfig.builder(SPEC).objective(Objective.CSQ).mode(TrainerConfig.Mode.FULL)
        .batchSize(64).learningRate(1e-3).epochs(epochs).patience(epochs).seed(42).build();
    for (long seed : seeds) {
      long s = seed;
      run(results, "sign of random projections (LSH)", test, seed, () -> randomProjections(test, s));
      run(results, "PCA, sign of the leading components", test, seed, () -> pcaSign(test));
      run(results, "ITQ trained for each length", test, seed, () -> itqPerLength(test, s));
      LabelFreeTrainer.Options nestedItq = LabelFreeTrainer.Options.DEFAULTS.withTarget(LabelFreeTrainer.Target.FEATURES)
          .withSeed(s);
      run(results, "nested ITQ (label-free, target FEATURES)", test, seed, () -> Codebook.nested(
          new LabelFreeTrainer(nestedItq).train(test.db(), dim, SPEC, null), test.queries(), test.db()));
      if (data.scoreDim() > 0) {
        run(results, "NHL head on the backbone's labels", test, seed, () -> backboneLabels(data, test, supervised, s));
      }
      LabelFreeTrainer.Options graph = chosen.withSeed(s);
      run(results, "**nhl label-free (graph target, the default)**", test, seed, () -> Codebook.nested(
          new LabelFreeTrainer(graph).train(test.db(), dim, SPEC, line -> System.err.println("  " + line)),
          test.queries(), test.db()));
      run(results, "NHL head on the true labels (supervised reference)", test, seed, () -> Codebook.nested(
          new NhlTrainer(supervised.withSeed(s)).train(test.db(), dim, test.dbLabels(), null),
          test.queries(), test.db()));
    }
    double[] cosine = cosineMaps(test);
    System.out.println();
    System.out.printf(Locale.ROOT, "cosine of the features (no codes): mAP@1000 %.4f, mAP@All %.4f%n", cosine[0], cosine[1]);
    table("mAP@1000", results, Scores::map1000, true);
    table("mAP@All", results, Scores::mapAll, false);
    table("neighbourhood recall: cosine top 10 in the Hamming top 10", results, Scores::nr10, false);
    table("neighbourhood recall: cosine top 10 in the Hamming top 100", results, Scores::nr100, false);
  }

  private interface Fit {
    Codebook fit();
  }

  private static void run(Map<String, List<Scores>> results, String name, Protocol p, long seed, Fit fit) {
    long t0 = System.nanoTime();
    Codebook c = fit.fit();
    double seconds = (System.nanoTime() - t0) / 1e9;
    Scores s = score(c, p, seed, seconds);
    results.computeIfAbsent(name, k -> new ArrayList<>()).add(s);
    System.err.printf(Locale.ROOT, "seed %d %s: mAP@1000 %s, NR@10 %s, %.1f s%n", seed, name,
        NhlExperiment.fmt(s.map1000()), NhlExperiment.fmt(s.nr10()), seconds);
  }

  /** Chooses the label-free head's settings on a validation split of the database. */
  static LabelFreeTrainer.Options validate(NhlExperiment.Split split) {
    int n = split.trainLabels().size();
    int dim = split.dim();
    int[] order = IntStream.range(0, n).toArray();
    shuffle(order, new Random(7));
    int[] vq = Arrays.copyOfRange(order, 0, VALIDATION_QUERIES);
    int[] vd = Arrays.copyOfRange(order, VALIDATION_QUERIES, n);
    Protocol p = protocol(rows(split.train(), dim, vd), split.trainLabels().subset(vd), rows(split.train(), dim, vq),
        split.trainLabels().subset(vq), dim);
    System.out.println("# validation: " + vd.length + " database photos, " + vq.length
        + " queries, all from the training split; score: mean mAP@1000 plus mean NR@10 over the lengths, seed 1");
    // first the graph and the regression (no refinement), then the refinement on the best of them
    LabelFreeTrainer.Options best = null;
    double bestScore = -1;
    for (int k : new int[] {5, 10, 20}) {
      for (double ridge : new double[] {0.05, 0.25, 1.0}) {
        for (int graphDims : new int[] {128, 256}) {
          LabelFreeTrainer.Options o = LabelFreeTrainer.Options.DEFAULTS.withNeighbours(k).withRidge(ridge)
              .withGraphDims(graphDims).withRefineSteps(0).withSeed(1);
          double avg = validationScore(o, p, dim);
          if (avg > bestScore) {
            bestScore = avg;
            best = o;
          }
        }
      }
    }
    LabelFreeTrainer.Options stage1 = best;
    LabelFreeTrainer.Options refined = stage1.withRefineSteps(LabelFreeTrainer.Options.DEFAULTS.refineSteps())
        .withHidden(LabelFreeTrainer.Options.DEFAULTS.hidden());
    for (double mix : new double[] {0.5, 1.0}) {
      for (double lookAlikes : new double[] {0.25, 0.5, 1.0}) {
        LabelFreeTrainer.Options o = refined.withMix(mix).withLookAlikes(lookAlikes);
        double avg = validationScore(o, p, dim);
        if (avg > bestScore) {
          bestScore = avg;
          best = o;
        }
      }
    }
    // then the noise of the refinement's inputs, on the best teachers
    LabelFreeTrainer.Options teachers = best;
    for (double noise : new double[] {0, 0.25, 0.5, 1.0}) {
      if (noise == teachers.noise()) {
        continue;
      }
      LabelFreeTrainer.Options o = teachers.withNoise(noise);
      double avg = validationScore(o, p, dim);
      if (avg > bestScore) {
        bestScore = avg;
        best = o;
      }
    }
    return best.withSeed(LabelFreeTrainer.Options.DEFAULTS.seed());
  }

  private static double validationScore(LabelFreeTrainer.Options o, Protocol p, int dim) {
    Codebook c = Codebook.nested(new LabelFreeTrainer(o).train(p.db(), dim, SPEC, null), p.queries(), p.db());
    Scores s = score(c, p, 1, 0);
    double map = Arrays.stream(s.map1000()).average().orElse(0);
    double nr = Arrays.stream(s.nr10()).average().orElse(0);
    System.out.printf(Locale.ROOT, "#   k %2d, ridge %.2f, graph dims %3d, refine %3d steps, %3d hidden, mix %.1f, "
        + "look-alikes %.2f, noise %.2f: mAP@1000 %s (average %.4f), NR@10 %s (average %.4f), score %.4f%n",
        o.neighbours(), o.ridge(), o.graphDims(), o.refineSteps(), o.hidden(), o.mix(), o.lookAlikes(), o.noise(),
        NhlExperiment.fmt(s.map1000()),
        map, NhlExperiment.fmt(s.nr10()), nr, map + nr);
    // both things the codes are for: photos of one kind first, and each photo's nearest look-alikes
    return map + nr;
  }

  static Protocol protocol(float[] db, Labels dbLabels, float[] queries, Labels queryLabels, int dim) {
    return new Protocol(db, dbLabels, queries, queryLabels, dim, cosineTop(db, queries, dim, 10));
  }

  private static float[] rows(float[] x, int dim, int[] pick) {
    float[] out = new float[pick.length * dim];
    for (int i = 0; i < pick.length; i++) {
      System.arraycopy(x, pick[i] * dim, out, i * dim, dim);
    }
    return out;
  }

  private static void shuffle(int[] a, Random r) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** Scores a codebook under the protocol, ties broken by the order drawn from {@code seed}. */
  static Scores score(Codebook c, Protocol p, long seed, double seconds) {
    int stages = SPEC.stages();
    double[] m1 = new double[stages];
    double[] ma = new double[stages];
    double[] n10 = new double[stages];
    double[] n100 = new double[stages];
    int[] tieRank = new int[p.dbSize()];
    int[] order = IntStream.range(0, p.dbSize()).toArray();
    shuffle(order, new Random(seed));
    for (int i = 0; i < order.length; i++) {
      tieRank[order[i]] = i;
    }
    for (int s = 0; s < stages; s++) {
      int bits = SPEC.length(s);
      RetrievalMetrics m = RetrievalMetrics.of(c.queries()[s], p.queryLabels(), c.database()[s], p.dbLabels())
          .withTiesShuffled(seed);
      double[] both = m.meanAveragePrecision(bits, new int[] {TOP_K, p.dbSize()});
      m1[s] = both[0];
      ma[s] = both[1];
      double[] nr = neighbourhoodRecall(c.queries()[s], c.database()[s], bits, p.cosineTop(), tieRank);
      n10[s] = nr[0];
      n100[s] = nr[1];
    }
    return new Scores(m1, ma, n10, n100, seconds);
  }

  /**
   * The share of each query's cosine top 10 found in its Hamming top 10 and top 100 at a length,
   * Hamming ties broken by {@code tieRank}.
   */
  static double[] neighbourhoodRecall(byte[][] queries, byte[][] db, int bits, int[][] cosineTop, int[] tieRank) {
    int n = db.length;
    long[][] dw = new long[n][];
    for (int i = 0; i < n; i++) {
      dw[i] = Codes.toLongs(Codes.prefix(db[i], bits));
    }
    double[][] per = new double[queries.length][];
    IntStream.range(0, queries.length).parallel().forEach(q -> {
      long[] qw = Codes.toLongs(Codes.prefix(queries[q], bits));
      long[] keys = new long[n];
      for (int i = 0; i < n; i++) {
        int d = 0;
        for (int w = 0; w < qw.length; w++) {
          d += Long.bitCount(qw[w] ^ dw[i][w]);
        }
        keys[i] = ((long) d << 32) | tieRank[i];
      }
      long[] sorted = keys.clone();
      Arrays.sort(sorted);
      long k10 = sorted[Math.min(10, n) - 1];
      long k100 = sorted[Math.min(100, n) - 1];
      int in10 = 0;
      int in100 = 0;
      for (int id : cosineTop[q]) {
        in10 += keys[id] <= k10 ? 1 : 0;
        in100 += keys[id] <= k100 ? 1 : 0;
      }
      per[q] = new double[] {in10 / (double) cosineTop[q].length, in100 / (double) cosineTop[q].length};
    });
    return new double[] {Arrays.stream(per).mapToDouble(a -> a[0]).average().orElse(0),
        Arrays.stream(per).mapToDouble(a -> a[1]).average().orElse(0)};
  }

  /** Features centred on the database mean and scaled to unit length, row by row. */
  static float[] normalised(float[] x, int dim, double[] mean) {
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

  static double[] mean(float[] x, int dim) {
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

  /** Each query's {@code k} most similar database items by cosine of the centred features, most similar first. */
  static int[][] cosineTop(float[] db, float[] queries, int dim, int k) {
    double[] mean = mean(db, dim);
    float[] d = normalised(db, dim, mean);
    float[] q = normalised(queries, dim, mean);
    int n = d.length / dim;
    int[][] top = new int[q.length / dim][];
    IntStream.range(0, top.length).parallel().forEach(i -> {
      Integer[] idx = ranking(q, i, d, n, dim);
      top[i] = Arrays.stream(idx, 0, Math.min(k, n)).mapToInt(Integer::intValue).toArray();
    });
    return top;
  }

  /** The database by decreasing cosine to query {@code row} (unit rows), ties by index. */
  private static Integer[] ranking(float[] q, int row, float[] d, int n, int dim) {
    float[] sim = similarities(q, row, d, n, dim);
    Integer[] idx = new Integer[n];
    Arrays.setAll(idx, j -> j);
    Arrays.sort(idx, (a, b) -> sim[a] != sim[b] ? Float.compare(sim[b], sim[a]) : Integer.compare(a, b));
    return idx;
  }

  private static float[] similarities(float[] q, int row, float[] d, int n, int dim) {
    float[] sim = new float[n];
    for (int j = 0; j < n; j++) {
      float dot = 0;
      for (int c = 0; c < dim; c++) {
        dot += q[row * dim + c] * d[j * dim + c];
      }
      sim[j] = dot;
    }
    return sim;
  }

  /** mAP@1000 and mAP@All of the cosine ranking (ties, which floats hardly have, by index). */
  static double[] cosineMaps(Protocol p) {
    int dim = p.dim();
    double[] mean = mean(p.db(), dim);
    float[] d = normalised(p.db(), dim, mean);
    float[] q = normalised(p.queries(), dim, mean);
    int n = p.dbSize();
    double[][] ap = new double[q.length / dim][];
    IntStream.range(0, ap.length).parallel().forEach(i -> {
      Integer[] idx = ranking(q, i, d, n, dim);
      ap[i] = new double[] {averagePrecision(p, i, idx, TOP_K), averagePrecision(p, i, idx, n)};
    });
    return new double[] {Arrays.stream(ap).mapToDouble(a -> a[0]).average().orElse(0),
        Arrays.stream(ap).mapToDouble(a -> a[1]).average().orElse(0)};
  }

  private static double averagePrecision(Protocol p, int query, Integer[] ranking, int k) {
    double sum = 0;
    int seen = 0;
    for (int r = 0; r < Math.min(k, ranking.length); r++) {
      if (p.queryLabels().relevant(query, p.dbLabels(), ranking[r])) {
        seen++;
        sum += seen / (double) (r + 1);
      }
    }
    return seen == 0 ? 0 : sum / seen;
  }

  /** Sign of a seeded Gaussian projection of the centred features: nested by construction. */
  static Codebook randomProjections(Protocol p, long seed) {
    int dim = p.dim();
    int bits = SPEC.maxBits();
    Random r = new Random(seed);
    float[] w = new float[bits * dim];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    return Codebook.nested(linearHead(w, mean(p.db(), dim), dim), p.queries(), p.db());
  }

  /** Sign of the leading principal components of the database features, in order of variance. */
  static Codebook pcaSign(Protocol p) {
    int dim = p.dim();
    double[] mean = mean(p.db(), dim);
    float[] x = normalised(p.db(), dim, mean);
    int n = x.length / dim;
    DMatrixRMaj cov = new DMatrixRMaj(dim, dim);
    IntStream.range(0, dim).parallel().forEach(a -> {
      for (int b = a; b < dim; b++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
          s += (double) x[i * dim + a] * x[i * dim + b];
        }
        cov.set(a, b, s);
        cov.set(b, a, s);
      }
    });
    EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(dim, true, true);
    if (!eig.decompose(cov)) {
      throw new IllegalStateException("eigendecomposition failed");
    }
    Integer[] order = new Integer[dim];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (a, b) -> Double.compare(eig.getEigenvalue(b).getReal(), eig.getEigenvalue(a).getReal()));
    int bits = SPEC.maxBits();
    float[] w = new float[bits * dim];
    for (int c = 0; c < bits; c++) {
      DMatrixRMaj v = eig.getEigenVector(order[c]);
      for (int j = 0; j < dim; j++) {
        w[c * dim + j] = (float) v.get(j, 0);
      }
    }
    return Codebook.nested(linearHead(w, mean, dim), p.queries(), p.db());
  }

  private static NhlHead linearHead(float[] w, double[] mean, int dim) {
    float[] m = new float[dim];
    for (int j = 0; j < dim; j++) {
      m[j] = (float) mean[j];
    }
    return new NhlHead(SPEC, dim, 0, m, 1f, new float[0], new float[0], w, new float[SPEC.maxBits()]);
  }

  /** ITQ fitted separately for every length: not nested, each length its own rotation. */
  static Codebook itqPerLength(Protocol p, long seed) {
    byte[][][] qs = new byte[SPEC.stages()][][];
    byte[][][] ds = new byte[SPEC.stages()][][];
    LabelFreeTrainer.Options o = LabelFreeTrainer.Options.DEFAULTS.withTarget(LabelFreeTrainer.Target.FEATURES)
        .withSeed(seed);
    for (int s = 0; s < SPEC.stages(); s++) {
      int bits = SPEC.length(s);
      NhlHead h = new LabelFreeTrainer(o).train(p.db(), p.dim(), CodeSpec.of(bits), null);
      qs[s] = pad(h.encode(p.queries()));
      ds[s] = pad(h.encode(p.db()));
    }
    return new Codebook(qs, ds);
  }

  /** Codes widened to the longest length with zero bits, so that every length scores the same way. */
  private static byte[][] pad(byte[][] codes) {
    byte[][] out = new byte[codes.length][];
    for (int i = 0; i < codes.length; i++) {
      out[i] = Arrays.copyOf(codes[i], SPEC.maxBytes());
    }
    return out;
  }

  /** The NHL head trained on the photos the backbone's classifier labels, with those labels. */
  static Codebook backboneLabels(CaltechFeatures.Scored data, Protocol p, TrainerConfig config, long seed) {
    int dim = p.dim();
    BackboneLabels derived = BackboneLabels.derive(data.trainScores(), p.dbSize(), data.scoreDim(), 0,
        data.scoreDim(), BackboneLabels.Options.DEFAULTS);
    int[] kept = derived.labelled();
    NhlHead head = new NhlTrainer(config.withSeed(seed))
        .train(rows(p.db(), dim, kept), dim, derived.labels(), null);
    return Codebook.nested(head, p.queries(), p.db());
  }

  interface Metric {
    double[] of(Scores s);
  }

  private static void table(String title, Map<String, List<Scores>> results, Metric metric, boolean time) {
    System.out.println();
    System.out.println("### " + title);
    StringBuilder header = new StringBuilder("| method |");
    StringBuilder rule = new StringBuilder("| --- |");
    for (int bits : SPEC.lengths()) {
      header.append(' ').append(bits).append(" bits |");
      rule.append(" ---: |");
    }
    System.out.println(header + " average |" + (time ? " fit time |" : ""));
    System.out.println(rule + " ---: |" + (time ? " ---: |" : ""));
    for (var e : results.entrySet()) {
      List<Scores> runs = e.getValue();
      StringBuilder sb = new StringBuilder("| ").append(e.getKey()).append(" |");
      double[] averages = new double[runs.size()];
      for (int i = 0; i < SPEC.stages(); i++) {
        double[] v = new double[runs.size()];
        for (int s = 0; s < runs.size(); s++) {
          v[s] = metric.of(runs.get(s))[i];
          averages[s] += v[s] / SPEC.stages();
        }
        sb.append(' ').append(NhlExperiment.meanSd(v, 3)).append(" |");
      }
      sb.append(' ').append(NhlExperiment.meanSd(averages, 3)).append(" |");
      if (time) {
        sb.append(' ').append(NhlExperiment.meanSd(runs.stream().mapToDouble(Scores::seconds).toArray(), 1))
            .append(" s |");
      }
      System.out.println(sb);
    }
  }
}
