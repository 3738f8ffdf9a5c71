package dev.nhl.encoder.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Seeded;
import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every analytic gradient against central finite differences of its own loss. */
@ExtendWith(Seeded.class)
class GradientCheckTest {

  static final double EPS = 1e-3;

  /** Values away from the kinks of |x| and |x| - 1 that the objectives' regularisers have. */
  static float[] smooth(Random r, int n, double sd) {
    float[] u = new float[n];
    for (int i = 0; i < n; i++) {
      float x;
      do {
        x = (float) (r.nextGaussian() * sd);
      } while (Math.abs(x) < 0.02 || Math.abs(Math.abs(x) - 1) < 0.02);
      u[i] = x;
    }
    return u;
  }

  /**
   * Compares an analytic gradient with central differences, coordinate by coordinate (absolute
   * tolerance relative to the gradient's largest entry) and as a whole (relative error of the
   * vectors).
   */
  static void check(String what, float[] x, float[] analytic, ToDoubleFunction<float[]> f, double eps, double tol) {
    check(what, x, analytic, f, eps, tol, i -> false);
  }

  /** As above, skipping the coordinates {@code kink} names: a kink lies within their step. */
  static void check(String what, float[] x, float[] analytic, ToDoubleFunction<float[]> f, double eps, double tol,
      java.util.function.IntPredicate kink) {
    check(what, x, analytic, f, eps, tol, kink, false);
  }

  static void check(String what, float[] x, float[] analytic, ToDoubleFunction<float[]> f, double eps, double tol,
      java.util.function.IntPredicate kink, boolean findKinks) {
    int checked = checkSmooth(what, x, analytic, f, eps, tol, kink, findKinks);
    assertTrue(checked >= x.length / 2, what + ": only " + checked + " of " + x.length + " coordinates are smooth");
  }

  /**
   * As above, returning how many coordinates were checked instead of asserting that half were;
   * with {@code findKinks}, also skipping the coordinates where the slopes of the two half steps
   * differ by more than the tolerance at the step and at a quarter of it: a kink (a ReLU crossing
   * 0) lies within the step, and the central difference is no oracle there.
   */
  static int checkSmooth(String what, float[] x, float[] analytic, ToDoubleFunction<float[]> f, double eps,
      double tol, java.util.function.IntPredicate kink, boolean findKinks) {
    double at = findKinks ? f.applyAsDouble(x) : 0;
    double maxAbs = 0;
    for (float g : analytic) {
      maxAbs = Math.max(maxAbs, Math.abs(g));
    }
    assertTrue(maxAbs > 0, what + ": gradient is all zero");
    double diff2 = 0;
    double sum2 = 0;
    int checked = 0;
    for (int i = 0; i < x.length; i++) {
      if (kink.test(i)) {
        continue;
      }
      float saved = x[i];
      double numeric = Double.NaN;
      // with findKinks, a step found to hold a kink is tried again a quarter as long
      for (double step = eps; step >= eps / 4 && Double.isNaN(numeric); step /= 4) {
        x[i] = (float) (saved + step);
        double plus = f.applyAsDouble(x);
        x[i] = (float) (saved - step);
        double minus = f.applyAsDouble(x);
        x[i] = saved;
        if (!findKinks || Math.abs((plus - at) - (at - minus)) / step <= tol * maxAbs) {
          numeric = (plus - minus) / (2 * step);
        }
      }
      if (Double.isNaN(numeric)) {
        // the vectors' relative error stays relative to the whole gradient's size
        sum2 += 4.0 * analytic[i] * analytic[i];
        continue;
      }
      assertEquals(numeric, analytic[i], tol * maxAbs, what + ": coordinate " + i);
      checked++;
      diff2 += (numeric - analytic[i]) * (numeric - analytic[i]);
      sum2 += (numeric + analytic[i]) * (numeric + analytic[i]);
    }
    assertTrue(checked == 0 || Math.sqrt(diff2 / sum2) < tol, what + ": relative error " + Math.sqrt(diff2 / sum2));
    return checked;
  }

  static Labels randomLabels(Random r, int n, int classes, boolean multi) {
    if (!multi) {
      int[] l = new int[n];
      for (int i = 0; i < n; i++) {
        l[i] = r.nextInt(classes);
      }
      return Labels.single(l, classes);
    }
    int[][] l = new int[n][];
    for (int i = 0; i < n; i++) {
      l[i] = r.ints(1 + r.nextInt(3), 0, classes).distinct().toArray();
    }
    return Labels.multi(l, classes);
  }

  @Test
  void csq(Random r) {
    for (boolean multi : new boolean[] {false, true}) {
      for (int bits : new int[] {8, 16, 24}) {
        int rows = 6;
        Labels labels = randomLabels(r, 20, multi ? 5 : 30, multi);
        Csq csq = Csq.forLengths(new int[] {bits}, labels, TrainerConfig.Centres.INDEPENDENT, new int[] {bits}, r.nextLong())[0];
        int[] items = r.ints(rows, 0, 20).toArray();
        float[] u = smooth(r, rows * bits, 1.5);
        float[] grad = new float[u.length];
        csq.lossAndGradient(u, rows, items, grad);
        check("CSQ bits=" + bits + " multi=" + multi, u, grad,
            x -> csq.lossAndGradient(x, rows, items, new float[x.length]), EPS, 1e-3);
      }
    }
  }

  @Test
  void dsh(Random r) {
    pairwise(r, "DSH", labels -> new Dsh(16, labels), 0.7);
    long seed = r.nextLong();
    pairwise(r, "DSH, 12 sampled pairs", labels -> new Dsh(16, labels, 12, seed), 0.7);
  }

  @Test
  void dhn(Random r) {
    pairwise(r, "DHN", labels -> new Dhn(16, labels), 1);
    long seed = r.nextLong();
    pairwise(r, "DHN, 12 sampled pairs", labels -> new Dhn(16, labels, 12, seed), 1);
  }

  /**
   * A batch paired with a sample of the bank: the same loss as the full bank restricted to the
   * sampled items (a bank holding only them), and the full bank's when the sample holds them all.
   */
  @Test
  void sampledPairsAreASubsetOfTheBank(Random r) {
    Labels labels = randomLabels(r, 40, 4, false);
    int bits = 16;
    int[] seen = java.util.stream.IntStream.range(0, 30).toArray();
    float[] outputs = smooth(r, seen.length * bits, 1);
    int[] items = r.ints(8, 0, 30).toArray();
    float[] u = smooth(r, 8 * bits, 1);
    for (boolean dsh : new boolean[] {true, false}) {
      MemoryBank all = dsh ? new Dsh(bits, labels) : new Dhn(bits, labels);
      MemoryBank wide = dsh ? new Dsh(bits, labels, 30, 5) : new Dhn(bits, labels, 30, 5);
      all.record(outputs, seen.length, seen);
      wide.record(outputs, seen.length, seen);
      float[] g1 = new float[u.length];
      float[] g2 = new float[u.length];
      assertEquals(all.lossAndGradient(u, 8, items, g1), wide.lossAndGradient(u, 8, items, g2), 0);
      assertArrayEquals(g1, g2);
      MemoryBank sampled = dsh ? new Dsh(bits, labels, 12, 5) : new Dhn(bits, labels, 12, 5);
      sampled.record(outputs, seen.length, seen);
      assertEquals(12, sampled.pairCount());
      // the same pairs, from a bank that saw only the sampled items
      int[] chosen = new int[12];
      for (int j = 0; j < 12; j++) {
        chosen[j] = sampled.pairItem(j);
      }
      float[] chosenOutputs = new float[12 * bits];
      for (int j = 0; j < 12; j++) {
        System.arraycopy(outputs, chosen[j] * bits, chosenOutputs, j * bits, bits);
      }
      MemoryBank only = dsh ? new Dsh(bits, labels) : new Dhn(bits, labels);
      only.record(chosenOutputs, 12, chosen);
      assertEquals(only.lossAndGradient(u, 8, items, g1), sampled.lossAndGradient(u, 8, items, g2), 1e-9);
      assertArrayEquals(g1, g2, 1e-7f);
    }
  }

  /** A memory-bank objective: its bank filled for 30 of 40 items (the others take no part). */
  static void pairwise(Random r, String name, java.util.function.Function<Labels, MemoryBank> make, double sd) {
    for (boolean multi : new boolean[] {false, true}) {
      int rows = 8;
      MemoryBank objective = make.apply(randomLabels(r, 40, 4, multi));
      int bits = objective.bits();
      int[] seen = java.util.stream.IntStream.range(0, 30).toArray();
      objective.record(smooth(r, seen.length * bits, sd), seen.length, seen);
      int[] items = r.ints(rows, 0, 30).toArray();
      float[] u = smooth(r, rows * bits, sd);
      float[] grad = new float[u.length];
      objective.lossAndGradient(u, rows, items, grad);
      // DSH's hinge at the margin is a kink a step can cross
      check(name + " multi=" + multi, u, grad, x -> objective.lossAndGradient(x, rows, items, new float[x.length]), EPS,
          1e-3, i -> false, true);
    }
  }

  @Test
  void distillation(Random r) {
    int rows = 7;
    float[] teacher = smooth(r, rows * 16, 1);
    float[] student = smooth(r, rows * 8, 1);
    float[] grad = new float[student.length];
    CascadeDistillation.lossAndGradient(student, 8, teacher, 16, rows, grad);
    check("SP", student, grad,
        x -> CascadeDistillation.lossAndGradient(x, 8, teacher, 16, rows, new float[x.length]), EPS, 1e-3);
  }

  @Test
  void distillationWorkedExample() {
    // S = I (rows already unit), T = all ones: each row of norm_rows(T T^T) is (1/√2, 1/√2)
    float[] s = {1, 0, 0, 1};
    float[] t = {1, 1, 1, 1};
    double loss = CascadeDistillation.lossAndGradient(s, 2, t, 2, 2, new float[4]);
    assertEquals((2 - Math.sqrt(2)) / 2, loss, 1e-6);
    // a student with the teacher's structure has nothing to learn
    float[] same = {2, 2, 2, 2};
    float[] g = new float[4];
    assertEquals(0, CascadeDistillation.lossAndGradient(same, 2, t, 2, 2, g), 1e-12);
    for (float x : g) {
      assertEquals(0, x, 1e-7);
    }
  }

  /**
   * The whole network: weighted per-length terms with distillation, through the nested layer and
   * the hidden ReLU layer, for every parameter array and every mode. The weights are constants of
   * the loss, and so are the distillation teachers (their gradient is stopped): both are held at
   * their values for the unperturbed parameters.
   */
  @Test
  void network(Random r) {
    int n = 64;
    int dim = 12;
    float[] features = new float[n * dim];
    for (int i = 0; i < features.length; i++) {
      features[i] = (float) r.nextGaussian();
    }
    Labels labels = randomLabels(r, n, 5, false);
    for (TrainerConfig.Mode mode : TrainerConfig.Mode.values()) {
      TrainerConfig config = TrainerConfig.builder(CodeSpec.of(8, 16, 24)).hiddenUnits(10).batchSize(16)
          .mode(mode).validationFraction(0).seed(r.nextLong()).build();
      int[] train = java.util.stream.IntStream.range(0, n).toArray();
      NhlTrainer.Run run = new NhlTrainer.Run(config, features, dim, labels, train, new Random(r.nextLong()));
      int[] pos = r.ints(16, 0, n).distinct().toArray();
      NhlTrainer.Run.Gradients g = run.gradients(pos, false, null, null);
      double[] weights = g.weights();
      float[][] teachers = g.prefixes();
      float[][] params = {run.w1, run.b1, run.w, run.b};
      float[][] grads = {g.w1(), g.b1(), g.w(), g.b()};
      String[] names = {"W1", "b1", "W", "b"};
      double eps = 2e-3;
      // a hidden unit's pre-activation that the step could move across 0 makes ReLU's kink show
      float[] pre = new float[pos.length * 10];
      float[] x = new float[pos.length * dim];
      for (int a = 0; a < pos.length; a++) {
        for (int j = 0; j < dim; j++) {
          x[a * dim + j] = (features[pos[a] * dim + j] - run.mean[j]) / run.scale;
        }
        for (int u = 0; u < 10; u++) {
          double v = run.b1[u];
          for (int j = 0; j < dim; j++) {
            v += run.w1[u * dim + j] * x[a * dim + j];
          }
          pre[a * 10 + u] = (float) v;
        }
      }
      java.util.function.IntPredicate[] kinks = {
        i -> java.util.stream.IntStream.range(0, pos.length)
            .anyMatch(a -> Math.abs(pre[a * 10 + i / dim]) < 2 * eps * Math.abs(x[a * dim + i % dim]) + 1e-4),
        i -> java.util.stream.IntStream.range(0, pos.length).anyMatch(a -> Math.abs(pre[a * 10 + i]) < 2 * eps + 1e-4),
        i -> false,
        i -> false
      };
      for (int p = 0; p < 4; p++) {
        check("network " + mode + " " + names[p], params[p], grads[p],
            v -> run.gradients(pos, false, weights, teachers).loss(), eps, 2e-2, kinks[p]);
      }
    }
  }

  /**
   * The trunk's weight and bias gradients against finite differences of a fixed random linear
   * function of its pooled features; the clip holds some outputs at each end, and coordinates whose
   * step could move an output across an end are skipped.
   */
  @Test
  void trunk(Random r) {
    int in = 6;
    int out = 5;
    int positions = 4;
    int rows = 3;
    float[] w = smooth(r, out * in, 0.5);
    float[] b = smooth(r, out, 0.3);
    float[] maps = smooth(r, rows * in * positions, 1.0);
    float[] coef = smooth(r, rows * out, 1.0);
    Trunk t = new Trunk(in, out, positions, w, b, 0f, 1.5f);
    Trunk.Pass pass = t.forward(maps, rows, w, b);
    int clipped = 0;
    for (float v : pass.y()) {
      clipped += v == 0f || v == 1.5f ? 1 : 0;
    }
    assertTrue(clipped > 0 && clipped < pass.y().length, clipped + " of " + pass.y().length + " outputs clipped");
    float[] gw = new float[w.length];
    float[] gb = new float[b.length];
    t.backward(pass, coef, gw, gb);
    // pre-activations, to find the coordinates whose step crosses an end of the clip
    float[] pre = new Trunk(in, out, positions, w, b, -1e9f, 1e9f).forward(maps, rows, w, b).y();
    float[] x = pass.x();
    double eps = 1e-3;
    java.util.function.ToDoubleFunction<float[]> lossW = wv -> dot(t.forward(maps, rows, wv, b).pooled(), coef);
    java.util.function.ToDoubleFunction<float[]> lossB = bv -> dot(t.forward(maps, rows, w, bv).pooled(), coef);
    check("trunk W", w, gw, lossW, eps, 1e-2, i -> java.util.stream.IntStream.range(0, rows * positions)
        .anyMatch(pl -> nearEnd(pre[pl * out + i / in], 2 * eps * Math.abs(x[pl * in + i % in]) + 1e-4)));
    check("trunk b", b, gb, lossB, eps, 1e-2, o -> java.util.stream.IntStream.range(0, rows * positions)
        .anyMatch(pl -> nearEnd(pre[pl * out + o], 2 * eps + 1e-4)));
  }

  /**
   * The whole network with a trunk in front: the trunk's gradients through the standardisation,
   * the head (with and without a hidden layer) and every mode's losses against finite differences.
   * The clip is wide enough never to act here (its own gradient is checked above).
   */
  @Test
  void networkWithTrunk(Random r) {
    int n = 40;
    int in = 4;
    int positions = 3;
    int dim = 6;
    byte[] stored = new byte[n * 2 * in * positions];
    r.nextBytes(stored);
    TrunkMaps maps = new TrunkMaps(n, 2, in * positions, stored, 0.02f, 128, false);
    Labels labels = randomLabels(r, n, 4, false);
    for (int hidden : new int[] {0, 5}) {
      for (TrainerConfig.Mode mode : TrainerConfig.Mode.values()) {
        // a step can move a hidden unit's pre-activation across ReLU's kink at 0: such coordinates
        // are found by their half steps' slopes and skipped, and a point where most are (a
        // pre-activation within a step of 0 that every coordinate moves) is drawn again
        String what = "hidden " + hidden + ", " + mode;
        int smooth = 0;
        for (int attempt = 0; attempt < 4 && smooth == 0; attempt++) {
          Trunk trunk = new Trunk(in, dim, positions, smooth(r, dim * in, 0.5), smooth(r, dim, 0.3), -1e3f, 1e3f);
          TrainerConfig config = TrainerConfig.builder(CodeSpec.of(8, 16)).hiddenUnits(hidden).batchSize(12)
              .mode(mode).validationFraction(0).seed(r.nextLong()).build();
          int[] train = java.util.stream.IntStream.range(0, n).toArray();
          float[] features = NhlTrainer.trunkFeatures(trunk, maps, train);
          NhlTrainer.Run run = new NhlTrainer.Run(config, features, dim, labels, train, new Random(r.nextLong()), maps,
              trunk);
          for (int i = 0; i < run.views.length; i++) {
            run.views[i] = r.nextInt(2);
          }
          int[] pos = r.ints(12, 0, n).distinct().toArray();
          NhlTrainer.Run.Gradients g = run.gradients(pos, false, null, null);
          double[] weights = g.weights();
          float[][] teachers = g.prefixes();
          ToDoubleFunction<float[]> loss = v -> run.gradients(pos, false, weights, teachers).loss();
          int w = checkSmooth("trunk W, " + what, run.tw, g.tw(), loss, 1e-3, 3e-2, i -> false, true);
          int b = checkSmooth("trunk b, " + what, run.tb, g.tb(), loss, 1e-3, 3e-2, i -> false, true);
          smooth = w >= run.tw.length / 2 && b >= run.tb.length / 2 ? 1 : 0;
        }
        assertTrue(smooth == 1, what + ": four points in a row had fewer than half their coordinates smooth");
      }
    }
  }

  private static boolean nearEnd(float v, double margin) {
    return Math.abs(v) < margin || Math.abs(v - 1.5f) < margin;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }
}
