package dev.nhl.encoder.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LabelFreeTrainerTest {

  private static final CodeSpec SPEC = CodeSpec.of(8, 16, 32);

  /** Unit rows drawn around {@code classes} random centres, {@code perClass} each, in class order. */
  private static float[] clusters(int classes, int perClass, int dim, double noise, long seed) {
    Random r = new Random(seed);
    float[][] centres = new float[classes][dim];
    for (float[] c : centres) {
      for (int j = 0; j < dim; j++) {
        c[j] = (float) r.nextGaussian();
      }
    }
    float[] x = new float[classes * perClass * dim];
    for (int i = 0; i < classes * perClass; i++) {
      for (int j = 0; j < dim; j++) {
        x[i * dim + j] = centres[i / perClass][j] + (float) (noise * r.nextGaussian());
      }
    }
    return x;
  }

  private static float[] unit(float[] x, int n, int dim) {
    float[] u = x.clone();
    LabelFreeTrainer.normaliseRows(u, n, dim);
    return u;
  }

  @Test
  void neighbourGraphMatchesBruteForce() {
    int n = 700;
    int dim = 24;
    int k = 7;
    float[] x = unit(clusters(9, n / 9 + 1, dim, 0.8, 3), n, dim);
    x = Arrays.copyOf(x, n * dim);
    // two exact copies: near-duplicates that must not link
    System.arraycopy(x, 0, x, 5 * dim, dim);
    NeighbourGraph g = NeighbourGraph.build(x, n, dim, k, 0.999f);
    assertEquals(k, g.k());
    for (int i = 0; i < n; i++) {
      double[] sims = new double[n];
      Integer[] order = new Integer[n];
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int c = 0; c < dim; c++) {
          s += (double) x[i * dim + c] * x[j * dim + c];
        }
        sims[j] = s;
        order[j] = j;
      }
      Arrays.sort(order, (a, b) -> Double.compare(sims[b], sims[a]));
      int r = 0;
      for (int j : order) {
        if (j == i || sims[j] >= 0.999) {
          continue;
        }
        if (r == k) {
          break;
        }
        // float products may swap neighbours of almost equal similarity; the similarity must agree
        assertEquals(sims[j], g.similarity(i, r), 1e-5, "item " + i + " rank " + r);
        assertEquals(sims[j], sims[g.neighbour(i, r)], 1e-5, "item " + i + " rank " + r);
        r++;
      }
    }
    for (int r = 0; r < k; r++) {
      assertTrue(g.neighbour(0, r) != 5 && g.neighbour(5, r) != 0, "near-duplicates must not be neighbours");
    }
    assertEquals(2, g.duplicatesSkipped());
  }

  @Test
  void adjacencyIsTheSymmetricUnionOfTheLists() {
    int n = 200;
    int dim = 8;
    float[] x = unit(clusters(4, 50, dim, 1.0, 5), n, dim);
    NeighbourGraph g = NeighbourGraph.build(x, n, dim, 5, 2f);
    NeighbourGraph.Adjacency a = g.adjacency();
    boolean[][] expected = new boolean[n][n];
    for (int i = 0; i < n; i++) {
      for (int r = 0; r < g.k(); r++) {
        expected[i][g.neighbour(i, r)] = true;
        expected[g.neighbour(i, r)][i] = true;
      }
    }
    for (int i = 0; i < n; i++) {
      boolean[] row = new boolean[n];
      for (int e = a.start()[i]; e < a.start()[i + 1]; e++) {
        assertTrue(!row[a.cols()[e]], "edge listed twice");
        row[a.cols()[e]] = true;
      }
      assertArrayEquals(expected[i], row, "row " + i);
    }
  }

  @Test
  void embeddingSpansTheLeadingEigenvectors() {
    // a ring of 60 nodes: the normalised adjacency's eigenvectors are cosines and sines of known frequency
    int n = 60;
    int[] start = new int[n + 1];
    int[] cols = new int[2 * n];
    for (int i = 0; i < n; i++) {
      start[i + 1] = 2 * (i + 1);
      int a = (i + n - 1) % n;
      int b = (i + 1) % n;
      cols[2 * i] = Math.min(a, b);
      cols[2 * i + 1] = Math.max(a, b);
    }
    float[] y = SpectralEmbedding.embed(new NeighbourGraph.Adjacency(n, start, cols), 2, 400, 1);
    // the two leading non-trivial eigenvectors span cos(2 pi i / n) and sin(2 pi i / n)
    for (double[] f : new double[][] {ring(n, true), ring(n, false)}) {
      double[] fit = new double[2];
      double[][] gram = new double[2][2];
      for (int i = 0; i < n; i++) {
        for (int a = 0; a < 2; a++) {
          fit[a] += y[i * 2 + a] * f[i];
          for (int b = 0; b < 2; b++) {
            gram[a][b] += (double) y[i * 2 + a] * y[i * 2 + b];
          }
        }
      }
      // the share of f explained by the span of the two columns
      double det = gram[0][0] * gram[1][1] - gram[0][1] * gram[1][0];
      double c0 = (gram[1][1] * fit[0] - gram[0][1] * fit[1]) / det;
      double c1 = (gram[0][0] * fit[1] - gram[1][0] * fit[0]) / det;
      double explained = c0 * fit[0] + c1 * fit[1];
      double total = Arrays.stream(f).map(v -> v * v).sum();
      assertEquals(1.0, explained / total, 1e-3);
    }
  }

  private static double[] ring(int n, boolean cos) {
    double[] f = new double[n];
    for (int i = 0; i < n; i++) {
      double t = 2 * Math.PI * i / n;
      f[i] = cos ? Math.cos(t) : Math.sin(t);
    }
    return f;
  }

  @Test
  void orthonormaliseGivesOrthonormalColumnsOfTheSameSpan() {
    int n = 500;
    int p = 20;
    Random r = new Random(9);
    float[] z = new float[n * p];
    for (int i = 0; i < z.length; i++) {
      z[i] = (float) (r.nextGaussian() * (1 + i % p));
    }
    float[] before = z.clone();
    SpectralEmbedding.orthonormalise(z, n, p);
    for (int a = 0; a < p; a++) {
      for (int b = 0; b < p; b++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
          s += (double) z[i * p + a] * z[i * p + b];
        }
        assertEquals(a == b ? 1 : 0, s, 1e-4);
      }
    }
    // each original column lies in the new span: its projection keeps its whole length
    for (int a = 0; a < p; a++) {
      double norm = 0;
      double projected = 0;
      for (int b = 0; b < p; b++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
          s += (double) before[i * p + a] * z[i * p + b];
        }
        projected += s * s;
      }
      for (int i = 0; i < n; i++) {
        norm += (double) before[i * p + a] * before[i * p + a];
      }
      assertEquals(1.0, projected / norm, 1e-4);
    }
  }

  @Test
  void itqRotationIsOrthogonalAndReducesQuantisationError() {
    int n = 400;
    int m = 6;
    Random r = new Random(2);
    float[] v = new float[n * m];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    float[] r0 = LabelFreeTrainer.itqRotation(v, n, m, 0, new Random(4));
    float[] r50 = LabelFreeTrainer.itqRotation(v, n, m, 50, new Random(4));
    for (float[] rot : new float[][] {r0, r50}) {
      for (int a = 0; a < m; a++) {
        for (int b = 0; b < m; b++) {
          double s = 0;
          for (int k = 0; k < m; k++) {
            s += (double) rot[k * m + a] * rot[k * m + b];
          }
          assertEquals(a == b ? 1 : 0, s, 1e-4);
        }
      }
    }
    assertTrue(quantisationError(v, n, m, r50) < quantisationError(v, n, m, r0));
  }

  private static double quantisationError(float[] v, int n, int m, float[] rot) {
    double e = 0;
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < m; c++) {
        double s = 0;
        for (int k = 0; k < m; k++) {
          s += v[i * m + k] * rot[k * m + c];
        }
        double b = s >= 0 ? 1 : -1;
        e += (b - s) * (b - s);
      }
    }
    return e;
  }

  @Test
  void sameSeedSameHeadAndOtherSeedAnother() {
    float[] x = clusters(6, 40, 32, 1.0, 11);
    LabelFreeTrainer t = new LabelFreeTrainer(LabelFreeTrainer.Options.DEFAULTS.withNeighbours(5));
    NhlHead a = t.train(x, 32, SPEC, null);
    NhlHead b = t.train(x, 32, SPEC, null);
    assertArrayEquals(a.outputWeights(), b.outputWeights());
    assertArrayEquals(a.inputMean(), b.inputMean());
    NhlHead c = new LabelFreeTrainer(LabelFreeTrainer.Options.DEFAULTS.withNeighbours(5).withSeed(7))
        .train(x, 32, SPEC, null);
    assertTrue(!Arrays.equals(a.outputWeights(), c.outputWeights()));
  }

  @Test
  void codesIgnoreAFeatureVectorsScale() {
    float[] x = clusters(5, 30, 16, 1.0, 12);
    NhlHead h = new LabelFreeTrainer(LabelFreeTrainer.Options.DEFAULTS.withNeighbours(5)).train(x, 16, SPEC, null);
    float[] mean = h.inputMean();
    float[] scaled = x.clone();
    for (int i = 0; i < 150; i++) {
      for (int j = 0; j < 16; j++) {
        scaled[i * 16 + j] = mean[j] + 3.5f * (x[i * 16 + j] - mean[j]);
      }
    }
    byte[][] a = h.encode(x);
    byte[][] b = h.encode(scaled);
    int same = 0;
    for (int i = 0; i < a.length; i++) {
      same += Arrays.equals(a[i], b[i]) ? 1 : 0;
    }
    // float rounding may flip an output that is within rounding of zero
    assertTrue(same >= a.length - 2, same + " of " + a.length);
  }

  /** Codes made without labels keep apart classes that the features keep apart: scored by the classes. */
  @Test
  void codesSeparateClustersTheyWereNotToldOf() {
    int classes = 6;
    int perClass = 60;
    int dim = 32;
    float[] x = clusters(classes, perClass, dim, 1.2, 17);
    int[] label = new int[classes * perClass];
    for (int i = 0; i < label.length; i++) {
      label[i] = i / perClass;
    }
    Labels labels = Labels.single(label, classes);
    CodeSpec spec = CodeSpec.of(8, 16);
    for (LabelFreeTrainer.Target t : LabelFreeTrainer.Target.values()) {
      LabelFreeTrainer.Options o = LabelFreeTrainer.Options.DEFAULTS.withNeighbours(8).withTarget(t);
      double m = map(new LabelFreeTrainer(o).train(x, dim, spec, null), x, labels, 16);
      // random 16-bit codes score about 1/6 here
      assertTrue(m > 0.8, t + ": mAP@100 " + m);
    }
  }

  private static double map(NhlHead h, float[] x, Labels labels, int bits) {
    byte[][] codes = h.encode(x);
    return RetrievalMetrics.of(codes, labels, codes, labels).withTiesShuffled(1).meanAveragePrecision(bits, 100);
  }

  @Test
  void nestedCodesArePrefixesOfOneHead() {
    float[] x = clusters(5, 30, 16, 1.0, 13);
    NhlHead h = new LabelFreeTrainer(LabelFreeTrainer.Options.DEFAULTS.withNeighbours(5)).train(x, 16, SPEC, null);
    assertEquals(32, h.hiddenUnits());
    assertEquals(32, h.spec().maxBits());
    byte[][] codes = h.encode(x);
    float[] out = h.outputs(x);
    for (int i = 0; i < codes.length; i++) {
      for (int b = 0; b < 32; b++) {
        assertEquals(out[i * 32 + b] > 0, Codes.bit(codes[i], b));
      }
    }
  }

  @Test
  void smallCollectionsStillTrainAndTinyOnesAreRefused() {
    float[] x = clusters(2, 3, 8, 1.0, 14);
    NhlHead h = new LabelFreeTrainer(LabelFreeTrainer.Options.DEFAULTS).train(x, 8, CodeSpec.of(8, 16), null);
    assertEquals(6, h.encode(x).length);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LabelFreeTrainer(LabelFreeTrainer.Options.DEFAULTS).train(Arrays.copyOf(x, 24), 8, SPEC, null));
    assertTrue(e.getMessage().contains("at least 4 items, got 3"), e.getMessage());
    float[] bad = x.clone();
    bad[5] = Float.NaN;
    e = assertThrows(IllegalArgumentException.class,
        () -> new LabelFreeTrainer(LabelFreeTrainer.Options.DEFAULTS).train(bad, 8, SPEC, null));
    assertTrue(e.getMessage().contains("feature 5 of item 0 is NaN"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LabelFreeTrainer.Options.DEFAULTS.withNeighbours(0));
    assertThrows(IllegalArgumentException.class, () -> LabelFreeTrainer.Options.DEFAULTS.withRidge(-1));
  }

  /**
   * Both teachers and every length, through a linear head and through a hidden ReLU layer, at the
   * student's first slope and a steeper one, on perturbed inputs.
   */
  @ParameterizedTest
  @CsvSource({"0, 1", "10, 1", "0, 2.5", "10, 2.5"})
  void distillationGradientMatchesFiniteDifferences(int hidden, float slope) {
    int n = 40;
    int dim = 6;
    CodeSpec spec = CodeSpec.of(8, 16);
    Random r = new Random(31);
    float[] x = unit(clusters(4, 10, dim, 1.0, 32), n, dim);
    float[] y = unit(clusters(4, 10, 5, 0.5, 33), n, 5);
    NeighbourGraph g = NeighbourGraph.build(x, n, dim, 3, 2f);
    NeighbourhoodDistillation d = new NeighbourhoodDistillation(spec, x, n, dim, hidden, x, dim, y, 5, g,
        new NeighbourhoodDistillation.Settings(1, 8, 4, 0.5, 0.2, 0.7, 0.1, 0.5, 4, 1e-3, 0, 1));
    int[] anchors = {3, 17, 25, 8};
    int[] candidates = {3, 17, 25, 8, 0, 1, 30, 39, 12};
    int[] slots = {0, 1, 2, 3};
    float[] w = new float[NeighbourhoodDistillation.parameters(dim, hidden, 16)];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (0.7 * r.nextGaussian());
    }
    float[] inputs = new float[candidates.length * dim];
    for (int i = 0; i < candidates.length; i++) {
      for (int j = 0; j < dim; j++) {
        inputs[i * dim + j] = x[candidates[i] * dim + j] + (float) (0.1 * r.nextGaussian());
      }
    }
    float[] grad = new float[w.length];
    d.lossAndGradient(w, anchors, candidates, slots, grad, true, slope, inputs);
    GradientCheckTest.check("neighbourhood distillation, " + hidden + " hidden units, slope " + slope, w, grad,
        v -> d.lossAndGradient(v, anchors, candidates, slots, new float[v.length], true, slope, inputs),
        GradientCheckTest.EPS, 1e-2);
  }

  @Test
  void teacherIsASoftmaxOfTheMixedSimilarityWithoutSelf() {
    int n = 12;
    float[] x = unit(clusters(3, 4, 4, 1.0, 40), n, 4);
    float[] y = unit(clusters(3, 4, 3, 1.0, 41), n, 3);
    NeighbourGraph g = NeighbourGraph.build(x, n, 4, 2, 2f);
    double mix = 0.3;
    double tau = 0.5;
    NeighbourhoodDistillation d = new NeighbourhoodDistillation(CodeSpec.of(8), x, n, 4, 0, x, 4, y, 3, g,
        new NeighbourhoodDistillation.Settings(1, 4, 0, mix, tau, 1, 0.1, 0, 1, 1e-3, 0, 1));
    int[] anchors = {2, 7};
    int[] candidates = {2, 7, 0, 11};
    float[] q = d.teacher(anchors, candidates, new int[] {0, 1});
    for (int a = 0; a < 2; a++) {
      double[] e = new double[4];
      double sum = 0;
      for (int c = 0; c < 4; c++) {
        if (c == a) {
          continue;
        }
        double fx = 0;
        double fy = 0;
        for (int j = 0; j < 4; j++) {
          fx += x[anchors[a] * 4 + j] * x[candidates[c] * 4 + j];
        }
        for (int j = 0; j < 3; j++) {
          fy += y[anchors[a] * 3 + j] * y[candidates[c] * 3 + j];
        }
        e[c] = Math.exp((mix * fy + (1 - mix) * fx) / tau);
        sum += e[c];
      }
      for (int c = 0; c < 4; c++) {
        assertEquals(e[c] / sum, q[a * 4 + c], 1e-5);
      }
    }
  }

  @Test
  void lookAlikeTeacherIsASoftmaxOfTheFeaturesCosineWithoutSelf() {
    int n = 12;
    float[] x = unit(clusters(3, 4, 4, 1.0, 42), n, 4);
    float[] y = unit(clusters(3, 4, 3, 1.0, 43), n, 3);
    NeighbourGraph g = NeighbourGraph.build(x, n, 4, 2, 2f);
    double tau = 0.2;
    NeighbourhoodDistillation d = new NeighbourhoodDistillation(CodeSpec.of(8), x, n, 4, 0, x, 4, y, 3, g,
        new NeighbourhoodDistillation.Settings(1, 4, 0, 1.0, 0.05, 1, tau, 0, 1, 1e-3, 0, 1));
    int[] anchors = {5, 9};
    int[] candidates = {1, 5, 9, 3, 10};
    int[] slots = {1, 2};
    float[] q = d.lookAlikeTeacher(anchors, candidates, slots);
    for (int a = 0; a < 2; a++) {
      double[] e = new double[candidates.length];
      double sum = 0;
      for (int c = 0; c < candidates.length; c++) {
        if (c == slots[a]) {
          continue;
        }
        double f = 0;
        for (int j = 0; j < 4; j++) {
          f += x[anchors[a] * 4 + j] * x[candidates[c] * 4 + j];
        }
        e[c] = Math.exp(f / tau);
        sum += e[c];
      }
      for (int c = 0; c < candidates.length; c++) {
        assertEquals(e[c] / sum, q[a * candidates.length + c], 1e-5);
      }
    }
  }

  /** Before refining, the hidden layer computes the linear head it starts from. */
  @Test
  void hiddenLayerStartsAsTheLinearHead() {
    Random random = new Random(61);
    int n = 300;
    int dim = 24;
    float[] x = clusters(6, n / 6, dim, 1.0, random.nextLong());
    LabelFreeTrainer.Options linear = LabelFreeTrainer.Options.DEFAULTS.withNeighbours(6).withRefineSteps(0);
    NhlHead start = new LabelFreeTrainer(linear).train(x, dim, SPEC, null);
    float[] wt = start.outputWeights();
    float[] mean = new float[dim];
    float[] u = LabelFreeTrainer.unitRows(x, n, dim, mean);
    float[] gram = new float[dim * dim];
    Linalg.gemmTN(u, n, dim, u, dim, gram);
    int bits = SPEC.maxBits();
    int half = dim;
    float[] params = LabelFreeTrainer.hiddenStart(wt, bits, dim, gram, half);
    NhlHead both = new NhlHead(SPEC, dim, 2 * half, start.inputMean(), 1f,
        Arrays.copyOfRange(params, 0, 2 * half * dim), new float[2 * half],
        Arrays.copyOfRange(params, 2 * half * dim, params.length), new float[bits]);
    float[] a = start.outputs(x);
    float[] b = both.outputs(x);
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], b[i], 1e-4 * (1 + Math.abs(a[i])), "output " + i);
    }
  }

  /** A hidden layer trained in its basis's coordinates, expanded, computes the same outputs on the features. */
  @Test
  void expandedLayerComputesWhatTheLayerInItsBasisDoes() {
    Random r = new Random(71);
    int dim = 20;
    int half = 6;
    int hidden = 2 * half;
    int bits = 8;
    int n = 50;
    float[] x = new float[n * dim];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] gram = new float[dim * dim];
    Linalg.gemmTN(x, n, dim, x, dim, gram);
    float[] wt = new float[bits * dim];
    for (int i = 0; i < wt.length; i++) {
      wt[i] = (float) r.nextGaussian();
    }
    float[] basis = LabelFreeTrainer.startBasis(wt, bits, dim, gram, half);
    // orthonormal columns
    for (int a = 0; a < half; a++) {
      for (int b = 0; b < half; b++) {
        double dot = 0;
        for (int i = 0; i < dim; i++) {
          dot += basis[i * half + a] * basis[i * half + b];
        }
        assertEquals(a == b ? 1 : 0, dot, 1e-5, "columns " + a + ", " + b);
      }
    }
    float[] params = new float[hidden * half + bits * hidden];
    for (int i = 0; i < params.length; i++) {
      params[i] = (float) r.nextGaussian();
    }
    float[] full = LabelFreeTrainer.expand(params, hidden, half, bits, basis, dim);
    for (int s = 0; s < n; s++) {
      double[] c = new double[half];
      for (int u = 0; u < half; u++) {
        for (int i = 0; i < dim; i++) {
          c[u] += x[s * dim + i] * basis[i * half + u];
        }
      }
      for (int j = 0; j < bits; j++) {
        double viaBasis = 0;
        double viaFeatures = 0;
        for (int h = 0; h < hidden; h++) {
          double zb = 0;
          for (int u = 0; u < half; u++) {
            zb += params[h * half + u] * c[u];
          }
          double zf = 0;
          for (int i = 0; i < dim; i++) {
            zf += full[h * dim + i] * x[s * dim + i];
          }
          viaBasis += params[hidden * half + j * hidden + h] * Math.max(0, zb);
          viaFeatures += full[hidden * dim + j * hidden + h] * Math.max(0, zf);
        }
        assertEquals(viaBasis, viaFeatures, 1e-4 * (1 + Math.abs(viaBasis)), "item " + s + ", output " + j);
      }
    }
  }

  /** The refinement's input noise: centred, of the stated norm, the same for the same seed. */
  @Test
  void inputNoiseHasTheStatedNorm() {
    int dim = 64;
    int rows = 2000;
    float noise = 0.5f;
    float[] a = new float[rows * dim];
    NeighbourhoodDistillation.perturb(a, dim, noise, 99);
    double sum = 0;
    double squares = 0;
    for (float v : a) {
      sum += v;
      squares += v * v;
    }
    assertEquals(0, sum / a.length, 0.01 * noise, "mean");
    assertEquals(noise * noise, squares / rows, 0.03 * noise * noise, "mean squared norm of a row");
    float[] b = new float[rows * dim];
    NeighbourhoodDistillation.perturb(b, dim, noise, 99);
    assertArrayEquals(a, b);
    float[] c = new float[rows * dim];
    NeighbourhoodDistillation.perturb(c, dim, noise, 100);
    assertFalse(Arrays.equals(a, c), "another seed, other noise");
  }

  /** A burst of near-identical shots joins one group and links to the photos around it, not to itself. */
  @Test
  void aBurstIsOneGroupAndNotACliqueOfTheGraph() {
    int dim = 16;
    int others = 120;
    int burst = 30;
    int n = others + burst;
    float[] base = clusters(4, others / 4, dim, 1.0, 50);
    float[] x = Arrays.copyOf(base, n * dim);
    Random r = new Random(51);
    for (int i = others; i < n; i++) {
      for (int j = 0; j < dim; j++) {
        x[i * dim + j] = base[7 * dim + j] + (float) (0.002 * r.nextGaussian());
      }
    }
    float[] mean = new float[dim];
    float[] u = LabelFreeTrainer.unitRows(x, n, dim, mean);
    NeighbourGraph g = NeighbourGraph.build(u, n, dim, 6, 0.97f);
    for (int i = others; i < n; i++) {
      assertEquals(g.group(7), g.group(i), "burst member " + i);
      for (int k = 0; k < g.k(); k++) {
        int j = g.neighbour(i, k);
        assertTrue(j < others && j != 7, "burst member " + i + " links to " + j);
      }
    }
    for (int i = 0; i < others; i++) {
      if (i != 7) {
        assertTrue(g.group(i) == i, "item " + i + " joined a group");
      }
    }
    // the trained head codes the burst as one photo
    NhlHead h = new LabelFreeTrainer(LabelFreeTrainer.Options.DEFAULTS.withNeighbours(6)).train(x, dim, SPEC, null);
    byte[][] codes = h.encode(x);
    int same = 0;
    for (int i = others; i < n; i++) {
      same += Arrays.equals(codes[i], codes[7]) ? 1 : 0;
    }
    assertTrue(same >= burst - 3, same + " of " + burst + " burst shots share the code of the photo they repeat");
  }
}
