package dev.nhl.encoder.training;

import dev.nhl.index.CodeSpec;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Trains a nested head without labels, from the features' own neighbourhoods: for a photo
 * collection that is not sorted into classes. Every item takes part; no class is assumed.
 *
 * <ol>
 *   <li>The features are centred and scaled to unit length, so that inner products are cosine
 *       similarities.
 *   <li>{@link Target#GRAPH} (the default): each item's {@code neighbours} nearest items by cosine
 *       (on the leading {@code graphDims} principal components; near-duplicates passed over) form
 *       a graph, and its spectral embedding (the leading eigenvectors of the normalised
 *       adjacency) places items that the graph joins, directly or through others, close together:
 *       photos of one kind of thing, which the features alone scatter, gather. A ridge regression
 *       from the features to that embedding makes it a linear function of any photo's features.
 *       {@link Target#FEATURES} skips the graph and encodes the features themselves (then the
 *       method is a nested iterative quantisation).
 *   <li>Nested codes: the embedding's principal components, and for every length {@code b} of
 *       the spec after a shorter {@code a}, bits {@code a..b} are iterative quantisation (Gong and
 *       Lazebnik, ITQ) of a random {@code (b - a)}-dimensional projection of the top {@code b}
 *       components. The shortest code thus rests on the strongest directions, and each longer
 *       code adds bits that refine them. All lengths come from one linear layer: the code of
 *       length {@code K} is the first {@code K} bits of the longest.
 *   <li>Refinement (graph target, {@code refineSteps > 0}): the linear layer becomes a hidden
 *       layer of {@code hidden} ReLU units and an output layer that compute the same codes, and
 *       the whole head is trained at every length at once by neighbourhood distillation towards
 *       the graph's similarity and, weighted {@code lookAlikes}, each item's nearest look-alikes
 *       by the features' cosine (at most 30 passes over the items). The hidden layer trains on
 *       the photos' coordinates in the basis it starts from ({@code hidden / 2} directions: the
 *       linear head's and the leading principal components), with noise of norm {@code noise}
 *       added at each step, and the student's slope steepens towards the signs; the layer is
 *       expanded to the features at the end.
 * </ol>
 *
 * <p>The result is an ordinary {@link NhlHead} (zero biases, so scaling a feature vector never
 * changes its code): it exports and composes with a backbone as any other.
 * Deterministic for given features, spec and options. Memory is a few copies of the features plus
 * {@code n x neighbours} for the graph and a few {@code n x maxBits} blocks, never {@code n x n}.
 *
 * <pre>{@code
 * NhlHead head = new LabelFreeTrainer(LabelFreeTrainer.Options.DEFAULTS)
 *     .train(features, 1280, CodeSpec.of(8, 16, 32, 64, 128), System.out::println);
 * }</pre>
 */
public final class LabelFreeTrainer {

  /** What the codes are made to preserve. */
  public enum Target {
    /** Neighbourhoods of the features' k-nearest-neighbour graph, through its spectral embedding. */
    GRAPH,
    /** The features' own cosine geometry (nested iterative quantisation of their principal components). */
    FEATURES
  }

  /**
   * Settings of label-free training; {@link #DEFAULTS} were chosen on a validation split carved
   * from Caltech-101's database (bench {@code LabelFreeExperiment --validate}).
   *
   * @param target what the codes preserve
   * @param neighbours neighbours of each item in the graph
   * @param ridge the regression's penalty, as a fraction of the mean non-zero eigenvalue of the
   *     features' Gram matrix
   * @param graphDims principal components of the features on which neighbours are found (all of
   *     them when the features have fewer)
   * @param duplicateCosine cosine similarity from which two items count as near-duplicates and do
   *     not link in the graph (above 1 to link every pair)
   * @param iterations subspace iterations of the spectral embedding
   * @param itqIterations iterations of each rotation's quantisation
   * @param refineSteps steps of the refinement by neighbourhood distillation (graph target only;
   *     0 for none)
   * @param mix weight of the embedding's similarity in the refinement's graph teacher, the rest
   *     the features' cosine
   * @param hidden ReLU units of the head's hidden layer, which the refinement trains with the
   *     output layer (0 for a linear head; a hidden layer needs refining steps)
   * @param lookAlikes weight, in the refinement, of the teacher that ranks each photo's nearest
   *     look-alikes by the features' cosine first (0 for none)
   * @param noise norm, about, of the noise the refinement adds to each photo's features at each
   *     step (relative to unit features; 0 for none), so that codes rest on what photos show
   *     rather than on the training photos' exact places
   * @param seed seeds every random draw
   */
  public record Options(Target target, int neighbours, double ridge, int graphDims, double duplicateCosine,
      int iterations, int itqIterations, int refineSteps, double mix, int hidden, double lookAlikes, double noise,
      long seed) {

    /**
     * The defaults: the graph of 10 neighbours on 256 components, ridge 0.25, near-duplicates from
     * cosine 0.97; then 600 refining steps of a head with 1,024 hidden units towards the graph's
     * similarity and, with weight 0.25, the features' nearest look-alikes, the inputs perturbed by
     * noise of norm 0.5.
     */
    public static final Options DEFAULTS = new Options(Target.GRAPH, 10, 0.25, 256, 0.97, 30, 50, 600, 1.0, 1024,
        0.25, 0.5, 42);

    /**
     * Settings without noise in the refinement, as before noise was an option.
     *
     * @deprecated use the canonical constructor, or {@link #DEFAULTS} and its {@code with…} methods
     */
    @Deprecated
    public Options(Target target, int neighbours, double ridge, int graphDims, double duplicateCosine,
        int iterations, int itqIterations, int refineSteps, double mix, int hidden, double lookAlikes, long seed) {
      this(target, neighbours, ridge, graphDims, duplicateCosine, iterations, itqIterations, refineSteps, mix, hidden,
          lookAlikes, 0, seed);
    }

    /**
     * Settings of a linear head refined towards one mixed teacher, as before hidden units and
     * look-alikes were options.
     *
     * @deprecated use the canonical constructor, or {@link #DEFAULTS} and its {@code with…} methods
     */
    @Deprecated
    public Options(Target target, int neighbours, double ridge, int graphDims, double duplicateCosine,
        int iterations, int itqIterations, int refineSteps, double mix, long seed) {
      this(target, neighbours, ridge, graphDims, duplicateCosine, iterations, itqIterations, refineSteps, mix, 0, 0,
          0, seed);
    }

    /** Checks every value. */
    public Options {
      if (target == null) {
        throw new IllegalArgumentException("target must be GRAPH or FEATURES, got null");
      }
      if (neighbours < 1) {
        throw new IllegalArgumentException("neighbours must be at least 1, got " + neighbours);
      }
      if (!(ridge > 0) || Double.isInfinite(ridge)) {
        throw new IllegalArgumentException("ridge must be positive and finite, got " + ridge);
      }
      if (graphDims < 1) {
        throw new IllegalArgumentException("graph dimensions must be at least 1, got " + graphDims);
      }
      if (!(duplicateCosine > 0)) {
        throw new IllegalArgumentException("duplicate cosine must be positive, got " + duplicateCosine);
      }
      if (iterations < 1 || itqIterations < 0) {
        throw new IllegalArgumentException("iterations must be at least 1 and ITQ iterations at least 0, got "
            + iterations + " and " + itqIterations);
      }
      if (refineSteps < 0) {
        throw new IllegalArgumentException("refining steps must be at least 0, got " + refineSteps);
      }
      if (!(mix >= 0 && mix <= 1)) {
        throw new IllegalArgumentException("mix must be in [0, 1], got " + mix);
      }
      if (hidden < 0 || hidden % 2 != 0) {
        throw new IllegalArgumentException("hidden units must be an even number, 0 or more, got " + hidden);
      }
      if (!(lookAlikes >= 0) || Double.isInfinite(lookAlikes)) {
        throw new IllegalArgumentException("look-alike weight must be 0 or more and finite, got " + lookAlikes);
      }
      if (!(noise >= 0) || Double.isInfinite(noise)) {
        throw new IllegalArgumentException("noise must be 0 or more and finite, got " + noise);
      }
    }

    /** These options with another target. */
    public Options withTarget(Target t) {
      return new Options(t, neighbours, ridge, graphDims, duplicateCosine, iterations, itqIterations, refineSteps, mix,
          hidden, lookAlikes, noise, seed);
    }

    /** These options with another number of neighbours. */
    public Options withNeighbours(int k) {
      return new Options(target, k, ridge, graphDims, duplicateCosine, iterations, itqIterations, refineSteps, mix,
          hidden, lookAlikes, noise, seed);
    }

    /** These options with another ridge penalty. */
    public Options withRidge(double r) {
      return new Options(target, neighbours, r, graphDims, duplicateCosine, iterations, itqIterations, refineSteps, mix,
          hidden, lookAlikes, noise, seed);
    }

    /** These options with another number of graph dimensions. */
    public Options withGraphDims(int d) {
      return new Options(target, neighbours, ridge, d, duplicateCosine, iterations, itqIterations, refineSteps, mix,
          hidden, lookAlikes, noise, seed);
    }

    /** These options with another near-duplicate threshold. */
    public Options withDuplicateCosine(double c) {
      return new Options(target, neighbours, ridge, graphDims, c, iterations, itqIterations, refineSteps, mix, hidden,
          lookAlikes, noise, seed);
    }

    /** These options with another number of refining steps (0: the quantised embedding as it is, linear). */
    public Options withRefineSteps(int steps) {
      return new Options(target, neighbours, ridge, graphDims, duplicateCosine, iterations, itqIterations, steps, mix,
          hidden, lookAlikes, noise, seed);
    }

    /** These options with another weight of the embedding's similarity in the graph teacher. */
    public Options withMix(double w) {
      return new Options(target, neighbours, ridge, graphDims, duplicateCosine, iterations, itqIterations, refineSteps,
          w, hidden, lookAlikes, noise, seed);
    }

    /** These options with another number of hidden units (0: a linear head). */
    public Options withHidden(int units) {
      return new Options(target, neighbours, ridge, graphDims, duplicateCosine, iterations, itqIterations, refineSteps,
          mix, units, lookAlikes, noise, seed);
    }

    /** These options with another weight of the look-alike teacher. */
    public Options withLookAlikes(double w) {
      return new Options(target, neighbours, ridge, graphDims, duplicateCosine, iterations, itqIterations, refineSteps,
          mix, hidden, w, noise, seed);
    }

    /** These options with another norm of the refinement's input noise (0: none). */
    public Options withNoise(double norm) {
      return new Options(target, neighbours, ridge, graphDims, duplicateCosine, iterations, itqIterations, refineSteps,
          mix, hidden, lookAlikes, norm, seed);
    }

    /** These options with another seed. */
    public Options withSeed(long s) {
      return new Options(target, neighbours, ridge, graphDims, duplicateCosine, iterations, itqIterations, refineSteps,
          mix, hidden, lookAlikes, noise, s);
    }
  }

  /** Fewest items label-free training takes. */
  public static final int MIN_ITEMS = 4;

  // fixed settings of the refinement; the validation split chose the options, not these
  static final int REFINE_BATCH = 256;
  static final int REFINE_EXTRA = 256;
  static final double REFINE_TEMPERATURE = 0.05;
  static final double REFINE_LOOK_ALIKE_TEMPERATURE = 0.03;
  static final double REFINE_LENGTH_POWER = 0.5;
  static final double REFINE_SHARPNESS = 20;
  static final double REFINE_LEARNING_RATE = 2e-3;
  // training ends near the signs: the student reads tanh(slope * u), the slope growing from 1 to this
  static final double REFINE_FINAL_SLOPE = 4;
  // a small collection would be seen hundreds of times over and learnt by heart: passes are capped
  static final int REFINE_MAX_PASSES = 30;

  /** Dimensions of the spectral embedding kept however small the collection (within its size). */
  static final int MIN_EMBEDDING = 16;

  private final Options options;

  /** A trainer with these options. */
  public LabelFreeTrainer(Options options) {
    this.options = options;
  }

  /**
   * A rough forecast of {@link #train}'s wall time on this machine's cores, for telling a user
   * what to expect: a count of the floating-point work of each step at a rate measured on 2
   * cores, scaled by the cores present.
   */
  public static double estimatedSeconds(int items, int dim, CodeSpec spec, Options options) {
    double n = items;
    int m = Math.min(spec.maxBits(), Math.max(1, items - 2));
    int r = Math.min(options.graphDims(), dim);
    // the dense eigendecomposition of the Gram matrix runs at a fraction of the products' pace
    double work = n * dim * dim + (double) dim * dim * dim * 40;
    if (options.target() == Target.GRAPH) {
      int p = m + 1 + SpectralEmbedding.EXTRA;
      work += n * n * r + options.iterations() * n * p * (4.0 * p + 2 * options.neighbours());
    }
    work += n * m * m * (1 + options.itqIterations() * 2.0 * spec.stages() / 4);
    if (options.target() == Target.GRAPH && options.refineSteps() > 0) {
      double candidates = Math.min(n, (double) REFINE_BATCH * (1 + options.neighbours()) + REFINE_EXTRA);
      int hidden = 2 * Math.min(options.hidden() / 2, dim);
      double perCandidate = hidden > 0
          ? 2.0 * (hidden / 2) * hidden + 3.0 * hidden * spec.maxBits()
          : 3.0 * dim * spec.maxBits();
      work += refiningSteps(items, options) * candidates * (perCandidate + dim * Math.min(n, REFINE_BATCH));
    }
    // calibrated on 6,000 to 100,000 Caltech-101-like feature vectors (bench LabelFreeScaling)
    double rate = 3.3e10 * Runtime.getRuntime().availableProcessors() / 2.0;
    return work / rate;
  }

  /**
   * Trains a head.
   *
   * @param features {@code n x dim} row-major, finite
   * @param dim features per item
   * @param spec the nested code lengths
   * @param progress receives one line per step with its time (may be null)
   * @throws IllegalArgumentException if the shapes disagree, a feature is not finite, or there are
   *     fewer than {@link #MIN_ITEMS} items
   */
  public NhlHead train(float[] features, int dim, CodeSpec spec, Consumer<String> progress) {
    if (dim < 1 || features.length == 0 || features.length % dim != 0) {
      throw new IllegalArgumentException("expected rows of " + dim + " features, got " + features.length + " values");
    }
    int n = features.length / dim;
    if (n < MIN_ITEMS) {
      throw new IllegalArgumentException("label-free training needs at least " + MIN_ITEMS + " items, got " + n);
    }
    Consumer<String> say = progress == null ? s -> { } : progress;
    Step step = new Step(say);
    float[] mean = new float[dim];
    float[] x = unitRows(features, n, dim, mean);
    float[] gram = new float[dim * dim];
    Linalg.gemmTN(x, n, dim, x, dim, gram);
    step.done("features centred and scaled, their Gram matrix");
    Random random = new Random(options.seed());

    float[] target;
    int m;
    NeighbourGraph graph = null;
    // the unit rows neighbours are found in: the features, or their leading principal components
    float[] look = x;
    int lookDim = dim;
    // maps unit features to the target space: dim x m
    float[] basis;
    if (options.target() == Target.GRAPH) {
      // a small collection's graph has few smooth directions: past about n / 8 its eigenvectors are noise
      m = Math.min(Math.min(spec.maxBits(), n - 2), Math.max(MIN_EMBEDDING, n / 8));
      int r = Math.min(options.graphDims(), dim);
      float[] g = x;
      if (r < dim) {
        float[] components = topEigenvectors(gram, dim, r);
        g = new float[n * r];
        Linalg.gemmNN(x, n, dim, components, r, g);
        normaliseRows(g, n, r);
      }
      look = g;
      lookDim = r;
      step.done("principal components for the graph (" + r + " of " + dim + ")");
      graph = NeighbourGraph.build(g, n, r, options.neighbours(), (float) options.duplicateCosine());
      step.done(String.format(Locale.ROOT, "graph of %d nearest neighbours (%,d near-duplicate pairs passed over)",
          graph.k(), graph.duplicatesSkipped() / 2));
      float[] y = SpectralEmbedding.embed(graph.adjacency(), m, options.iterations(), random.nextLong());
      // near-duplicates are one photo to the codes: they share their group's mean coordinates
      shareWithinGroups(y, n, m, graph);
      step.done("spectral embedding of " + m + " dimensions");
      basis = ridge(gram, dim, x, n, y, m, options.ridge());
      target = new float[n * m];
      Linalg.gemmNN(x, n, dim, basis, m, target);
      step.done("ridge regression from the features to the embedding");
    } else {
      m = dim;
      target = x;
      basis = null;
    }
    centreColumns(target, n, m);
    float[] cov = new float[m * m];
    Linalg.gemmTN(target, n, m, target, m, cov);
    float[] components = topEigenvectors(cov, m, m);
    // columns: per block, the target-space directions of its bits (m x maxBits)
    int bits = spec.maxBits();
    float[] directions = new float[m * bits];
    int prev = 0;
    for (int s = 0; s < spec.stages(); s++) {
      int b = spec.length(s);
      int width = b - prev;
      int q = Math.min(b, m);
      float[] proj = projection(components, m, q, width, random);
      float[] v = new float[n * width];
      Linalg.gemmNN(target, n, m, proj, width, v);
      float[] rot = itqRotation(v, n, width, options.itqIterations(), random);
      float[] block = new float[m * width];
      Linalg.gemmNN(proj, m, width, rot, width, block);
      for (int i = 0; i < m; i++) {
        System.arraycopy(block, i * width, directions, i * bits + prev, width);
      }
      prev = b;
    }
    step.done("nested iterative quantisation, " + spec + " bits");
    float[] w = new float[dim * bits];
    if (basis == null) {
      w = directions;
    } else {
      Linalg.gemmNN(basis, dim, m, directions, bits, w);
    }
    // outputs by inputs, as the head holds them
    float[] wt = new float[bits * dim];
    for (int i = 0; i < dim; i++) {
      for (int j = 0; j < bits; j++) {
        wt[j * dim + i] = w[i * bits + j];
      }
    }
    if (graph == null || options.refineSteps() == 0) {
      return new NhlHead(spec, dim, 0, mean, 1f, new float[0], new float[0], wt, new float[bits]);
    }
    // the quantised embedding is the start; outputs scaled so that tanh is neither flat nor saturated
    scaleOutputs(wt, x, n, dim, bits, 2.0);
    normaliseRows(target, n, m);
    int half = Math.min(options.hidden() / 2, dim);
    int hidden = 2 * half;
    // a hidden layer trains on the photos' coordinates in its start's basis: the same function as
    // on the features at a fraction of the work (half of dim), expanded to the features at the end
    float[] start = half == 0 ? null : startBasis(wt, bits, dim, gram, half);
    float[] params = half == 0 ? wt : startInBasis(wt, bits, dim, start, half);
    float[] inputs = x;
    int inputDim = dim;
    if (half > 0) {
      inputs = new float[n * half];
      Linalg.gemmNN(x, n, dim, start, half, inputs);
      inputDim = half;
    }
    int steps = refiningSteps(n, options);
    NeighbourhoodDistillation d = new NeighbourhoodDistillation(spec, inputs, n, inputDim, hidden, look, lookDim,
        target, m,
        graph, new NeighbourhoodDistillation.Settings(steps, REFINE_BATCH, REFINE_EXTRA, options.mix(),
            REFINE_TEMPERATURE, options.lookAlikes(), REFINE_LOOK_ALIKE_TEMPERATURE, REFINE_LENGTH_POWER,
            REFINE_SHARPNESS, REFINE_LEARNING_RATE, options.noise(), REFINE_FINAL_SLOPE));
    double loss = d.refine(params, random);
    step.done(String.format(Locale.ROOT, "%d steps of neighbourhood distillation%s (loss %.4f)", steps,
        hidden > 0 ? String.format(Locale.ROOT, ", %,d hidden units", hidden) : "", loss));
    if (hidden == 0) {
      return new NhlHead(spec, dim, 0, mean, 1f, new float[0], new float[0], params, new float[bits]);
    }
    params = expand(params, hidden, half, bits, start, dim);
    return new NhlHead(spec, dim, hidden, mean, 1f, Arrays.copyOfRange(params, 0, hidden * dim), new float[hidden],
        Arrays.copyOfRange(params, hidden * dim, params.length), new float[bits]);
  }

  /**
   * The refining steps: the option's, or fewer when they would pass over the items more than
   * {@link #REFINE_MAX_PASSES} times.
   */
  static int refiningSteps(int n, Options options) {
    long cap = Math.max(1, (long) Math.ceil((double) REFINE_MAX_PASSES * n / REFINE_BATCH));
    return (int) Math.min(options.refineSteps(), cap);
  }

  /**
   * The basis the hidden layer starts from: {@code dim x half}, row-major, orthonormal columns
   * whose span holds the rows of the linear head {@code wt} ({@code bits x dim}; all of them when
   * {@code half >= bits}), completed by the features' leading principal components.
   */
  static float[] startBasis(float[] wt, int bits, int dim, float[] gram, int half) {
    int cols = Math.min(dim, bits + half);
    float[] pcs = topEigenvectors(gram, dim, Math.min(dim, half));
    DMatrixRMaj a = new DMatrixRMaj(dim, cols);
    for (int c = 0; c < cols; c++) {
      for (int i = 0; i < dim; i++) {
        a.set(i, c, c < bits ? wt[c * dim + i] : pcs[i * Math.min(dim, half) + (c - bits)]);
      }
    }
    QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(dim, cols);
    if (!qr.decompose(a)) {
      throw new IllegalStateException("QR decomposition failed");
    }
    DMatrixRMaj q = qr.getQ(null, true);
    float[] v = new float[dim * half];
    for (int i = 0; i < dim; i++) {
      for (int u = 0; u < half; u++) {
        v[i * half + u] = (float) q.get(i, u);
      }
    }
    return v;
  }

  /**
   * The start of a hidden layer of {@code 2 * half} units and an output layer, in the
   * coordinates of {@code basis} ({@link #startBasis}): the hidden units are {@code ReLU(c)} and
   * {@code ReLU(-c)} of a photo's coordinates {@code c = V^T x}, and the outputs their difference
   * through {@code wt V}, which is {@code wt x}.
   */
  static float[] startInBasis(float[] wt, int bits, int dim, float[] basis, int half) {
    int hidden = 2 * half;
    float[] params = new float[hidden * half + bits * hidden];
    for (int u = 0; u < half; u++) {
      params[u * half + u] = 1;
      params[(half + u) * half + u] = -1;
    }
    int o = hidden * half;
    for (int j = 0; j < bits; j++) {
      for (int u = 0; u < half; u++) {
        double s = 0;
        for (int i = 0; i < dim; i++) {
          s += (double) wt[j * dim + i] * basis[i * half + u];
        }
        params[o + j * hidden + u] = (float) s;
        params[o + j * hidden + half + u] = (float) -s;
      }
    }
    return params;
  }

  /**
   * Parameters in the coordinates of {@code basis} ({@code hidden x half}, then the output layer)
   * as parameters on the features themselves: the hidden layer {@code W V^T} ({@code hidden x
   * dim}), the output layer as it is.
   */
  static float[] expand(float[] params, int hidden, int half, int bits, float[] basis, int dim) {
    float[] out = new float[hidden * dim + bits * hidden];
    Linalg.gemmNT(params, hidden, half, basis, dim, out, false);
    System.arraycopy(params, hidden * half, out, hidden * dim, bits * hidden);
    return out;
  }

  /**
   * A hidden layer and an output layer on the features that compute the linear head {@code wt}
   * they start from (exactly when {@code half >= bits}): {@link #startInBasis} expanded.
   */
  static float[] hiddenStart(float[] wt, int bits, int dim, float[] gram, int half) {
    float[] basis = startBasis(wt, bits, dim, gram, half);
    return expand(startInBasis(wt, bits, dim, basis, half), 2 * half, half, bits, basis, dim);
  }

  /** Prints each step with its time. */
  private static final class Step {
    private final Consumer<String> out;
    private long t0 = System.nanoTime();

    Step(Consumer<String> out) {
      this.out = out;
    }

    void done(String what) {
      long t = System.nanoTime();
      out.accept(String.format(Locale.ROOT, "%s: %.1f s", what, (t - t0) / 1e9));
      t0 = t;
    }
  }

  /**
   * Scales {@code w} ({@code bits x dim}) so that the outputs' standard deviation over (a sample
   * of) the rows is {@code sd}.
   */
  private static void scaleOutputs(float[] w, float[] x, int n, int dim, int bits, double sd) {
    int rows = Math.min(n, 4096);
    float[] u = new float[rows * bits];
    Linalg.gemmNT(x, rows, dim, w, bits, u, false);
    double sum = 0;
    double sq = 0;
    for (float v : u) {
      sum += v;
      sq += (double) v * v;
    }
    double mean = sum / u.length;
    double std = Math.sqrt(Math.max(sq / u.length - mean * mean, 1e-30));
    float f = (float) (sd / std);
    for (int i = 0; i < w.length; i++) {
      w[i] *= f;
    }
  }

  private static void shareWithinGroups(float[] y, int n, int m, NeighbourGraph graph) {
    double[] sum = new double[n * m];
    int[] count = new int[n];
    for (int i = 0; i < n; i++) {
      int g = graph.group(i);
      count[g]++;
      for (int c = 0; c < m; c++) {
        sum[g * m + c] += y[i * m + c];
      }
    }
    for (int i = 0; i < n; i++) {
      int g = graph.group(i);
      if (count[g] > 1) {
        for (int c = 0; c < m; c++) {
          y[i * m + c] = (float) (sum[g * m + c] / count[g]);
        }
      }
    }
  }

  /** Rows centred on their mean (written to {@code mean}) and scaled to unit length. */
  static float[] unitRows(float[] f, int n, int dim, float[] mean) {
    double[] sum = new double[dim];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < dim; j++) {
        float v = f[i * dim + j];
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException("feature " + j + " of item " + i + " is " + v + "; features must be finite");
        }
        sum[j] += v;
      }
    }
    for (int j = 0; j < dim; j++) {
      mean[j] = (float) (sum[j] / n);
    }
    float[] x = new float[n * dim];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < dim; j++) {
        x[i * dim + j] = f[i * dim + j] - mean[j];
      }
    }
    normaliseRows(x, n, dim);
    return x;
  }

  static void normaliseRows(float[] x, int n, int dim) {
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int j = 0; j < dim; j++) {
        s += (double) x[i * dim + j] * x[i * dim + j];
      }
      // an item equal to the mean stays zero: it has no direction
      float inv = s > 0 ? (float) (1 / Math.sqrt(s)) : 0f;
      for (int j = 0; j < dim; j++) {
        x[i * dim + j] *= inv;
      }
    }
  }

  private static void centreColumns(float[] y, int n, int m) {
    double[] sum = new double[m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        sum[j] += y[i * m + j];
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        y[i * m + j] -= (float) (sum[j] / n);
      }
    }
  }

  private static DMatrixRMaj symmetric(float[] a, int d) {
    DMatrixRMaj out = new DMatrixRMaj(d, d);
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        out.set(i, j, 0.5 * ((double) a[i * d + j] + a[j * d + i]));
      }
    }
    return out;
  }

  /** The top {@code r} eigenvectors of a symmetric {@code d x d} matrix as the columns of {@code d x r}. */
  static float[] topEigenvectors(float[] a, int d, int r) {
    float[] all = SpectralEmbedding.eigenvectorsDescending(symmetric(a, d), d);
    float[] out = new float[d * r];
    for (int i = 0; i < d; i++) {
      System.arraycopy(all, i * d, out, i * r, r);
    }
    return out;
  }

  /** {@code (X^T X + lambda I)^-1 X^T Y}, {@code lambda} the fraction {@code ridge} of the mean eigenvalue. */
  private static float[] ridge(float[] gram, int dim, float[] x, int n, float[] y, int m, double ridge) {
    double trace = 0;
    for (int i = 0; i < dim; i++) {
      trace += gram[i * dim + i];
    }
    // the mean of the non-zero eigenvalues: with fewer items than features most eigenvalues are zero
    double lambda = ridge * trace / Math.min(dim, n);
    DMatrixRMaj a = symmetric(gram, dim);
    for (int i = 0; i < dim; i++) {
      a.add(i, i, lambda);
    }
    float[] xty = new float[dim * m];
    Linalg.gemmTN(x, n, dim, y, m, xty);
    DMatrixRMaj b = new DMatrixRMaj(dim, m);
    for (int i = 0; i < xty.length; i++) {
      b.data[i] = xty[i];
    }
    LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(dim);
    if (!solver.setA(a)) {
      throw new IllegalStateException("the ridge system is not positive definite");
    }
    DMatrixRMaj sol = new DMatrixRMaj(dim, m);
    solver.solve(b, sol);
    float[] out = new float[dim * m];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) sol.data[i];
    }
    return out;
  }

  /**
   * {@code m x width}: a random orthonormal mix of the first {@code q} columns of {@code
   * components} ({@code m x m}); its columns are orthonormal when {@code width <= q}, its rows
   * otherwise.
   */
  private static float[] projection(float[] components, int m, int q, int width, Random random) {
    float[] mix = orthonormal(q, width, random);
    float[] top = new float[m * q];
    for (int i = 0; i < m; i++) {
      System.arraycopy(components, i * m, top, i * q, q);
    }
    float[] out = new float[m * width];
    Linalg.gemmNN(top, m, q, mix, width, out);
    return out;
  }

  /** A random {@code rows x cols} matrix with orthonormal columns (or rows, when it is wide). */
  static float[] orthonormal(int rows, int cols, Random random) {
    boolean wide = cols > rows;
    int r = wide ? cols : rows;
    int c = wide ? rows : cols;
    DMatrixRMaj g = new DMatrixRMaj(r, c);
    for (int i = 0; i < g.data.length; i++) {
      g.data[i] = random.nextGaussian();
    }
    QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(r, c);
    if (!qr.decompose(g)) {
      throw new IllegalStateException("QR decomposition failed");
    }
    DMatrixRMaj q = qr.getQ(null, true);
    float[] out = new float[rows * cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        out[i * cols + j] = (float) (wide ? q.get(j, i) : q.get(i, j));
      }
    }
    return out;
  }

  /**
   * ITQ: the rotation {@code R} ({@code m x m}) that brings {@code V R} close to its signs,
   * alternating the signs {@code B} and the orthogonal Procrustes solution {@code R = U W^T} of
   * {@code V^T B = U S W^T}.
   */
  static float[] itqRotation(float[] v, int n, int m, int iterations, Random random) {
    float[] r = orthonormal(m, m, random);
    float[] vr = new float[n * m];
    float[] vtb = new float[m * m];
    for (int it = 0; it < iterations; it++) {
      java.util.Arrays.fill(vr, 0f);
      Linalg.gemmNN(v, n, m, r, m, vr);
      for (int i = 0; i < vr.length; i++) {
        vr[i] = vr[i] >= 0 ? 1f : -1f;
      }
      java.util.Arrays.fill(vtb, 0f);
      Linalg.gemmTN(v, n, m, vr, m, vtb);
      DMatrixRMaj a = new DMatrixRMaj(m, m);
      for (int i = 0; i < vtb.length; i++) {
        a.data[i] = vtb[i];
      }
      SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, m, true, true, false);
      if (!svd.decompose(a)) {
        throw new IllegalStateException("SVD failed");
      }
      DMatrixRMaj u = svd.getU(null, false);
      DMatrixRMaj wt = svd.getV(null, true);
      DMatrixRMaj rot = new DMatrixRMaj(m, m);
      CommonOps_DDRM.mult(u, wt, rot);
      for (int i = 0; i < r.length; i++) {
        r[i] = (float) rot.data[i];
      }
    }
    return r;
  }
}
