package dev.nhl.encoder.training;

import dev.nhl.index.CodeSpec;
import java.util.Arrays;
import java.util.Random;

/**
 * Refines a nested linear layer so that, at every length, each item's neighbourhood in code space
 * matches its neighbourhood in a target similarity: for a batch of anchors and candidates (the
 * anchors and their graph neighbours), the softmax of the target similarities at temperature
 * {@code tau} is the teacher, and the softmax of {@code sharpness * <tanh u_a, tanh u_c>_K / K}
 * over the first {@code K} outputs is the student of length {@code K}; the loss is the sum over
 * lengths of the Kullback-Leibler divergence of student from teacher. All lengths train one
 * layer, so each length's loss shapes the bits the longer codes share: the short codes learn to
 * rank the nearest neighbours first, the long ones add detail.
 *
 * <p>The target similarity mixes the spectral embedding's cosine (weight {@code mix}) with the
 * features' own (the rest), so that the codes keep both the graph's kinds and each photo's
 * nearest look-alikes. Steps draw their anchors from the seed: deterministic.
 */
final class NeighbourhoodDistillation {

  /**
   * @param steps Adam steps
   * @param batch anchors a step
   * @param mix weight of the embedding's similarity in the target, the rest the features'
   * @param temperature the teacher's softmax temperature
   * @param sharpness the student's scale of code similarities
   * @param learningRate Adam's step size
   */
  record Settings(int steps, int batch, double mix, double temperature, double sharpness, double learningRate) {}

  private final CodeSpec spec;
  private final float[] x;
  private final int n;
  private final int dim;
  private final float[] look;
  private final int lookDim;
  private final float[] embedding;
  private final int m;
  private final NeighbourGraph graph;
  private final Settings settings;

  /**
   * @param x unit feature rows, {@code n x dim}: the layer's inputs
   * @param look unit rows in which the features' cosine is taken for the target, {@code n x
   *     lookDim} (the features themselves, or their leading principal components, which give
   *     almost the same cosine for a fraction of the work)
   * @param embedding unit rows of the target embedding, {@code n x m} (ignored when {@code mix} is 0)
   * @param graph neighbours joined to each batch as candidates
   */
  NeighbourhoodDistillation(CodeSpec spec, float[] x, int n, int dim, float[] look, int lookDim, float[] embedding,
      int m, NeighbourGraph graph, Settings settings) {
    this.spec = spec;
    this.x = x;
    this.n = n;
    this.dim = dim;
    this.look = look;
    this.lookDim = lookDim;
    this.embedding = embedding;
    this.m = m;
    this.graph = graph;
    this.settings = settings;
  }

  /** Refines {@code w} ({@code dim x bits}, row-major) in place; returns the mean loss of the last tenth of the steps. */
  double refine(float[] w, Random random) {
    int bits = spec.maxBits();
    Adam adam = new Adam(w.length);
    int batch = Math.min(settings.batch(), n);
    int[] order = new int[n];
    Arrays.setAll(order, i -> i);
    int[] stamp = new int[n];
    int[] slot = new int[n];
    float[] grad = new float[w.length];
    double tail = 0;
    int tailSteps = Math.max(1, settings.steps() / 10);
    for (int step = 1; step <= settings.steps(); step++) {
      // anchors: a partial shuffle; candidates: the anchors, then their neighbours not yet in
      int[] anchors = new int[batch];
      for (int i = 0; i < batch; i++) {
        int j = i + random.nextInt(n - i);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
        anchors[i] = order[i];
      }
      int[] cand = new int[batch * (1 + graph.k())];
      int c = 0;
      for (int a : anchors) {
        stamp[a] = step;
        slot[a] = c;
        cand[c++] = a;
      }
      for (int a : anchors) {
        for (int r = 0; r < graph.k(); r++) {
          int j = graph.neighbour(a, r);
          if (j >= 0 && stamp[j] != step) {
            stamp[j] = step;
            slot[j] = c;
            cand[c++] = j;
          }
        }
      }
      int[] candidates = Arrays.copyOf(cand, c);
      int[] anchorSlot = new int[batch];
      for (int i = 0; i < batch; i++) {
        anchorSlot[i] = slot[anchors[i]];
      }
      boolean report = step > settings.steps() - tailSteps;
      double loss = lossAndGradient(w, anchors, candidates, anchorSlot, grad, report);
      adam.step(w, grad, settings.learningRate(), 0);
      if (report) {
        tail += loss / tailSteps;
      }
    }
    return tail;
  }

  /** The teacher: softmax of the target similarities of each anchor to the candidates, itself excluded. */
  float[] teacher(int[] anchors, int[] candidates, int[] anchorSlot) {
    int b = anchors.length;
    int c = candidates.length;
    float[] t = new float[b * c];
    float[] la = rows(look, lookDim, anchors);
    float[] lc = rows(look, lookDim, candidates);
    Linalg.gemmNT(la, b, lookDim, lc, c, t, false);
    double mix = settings.mix();
    if (mix > 0) {
      float[] ya = rows(embedding, m, anchors);
      float[] yc = rows(embedding, m, candidates);
      float[] s = new float[b * c];
      Linalg.gemmNT(ya, b, m, yc, c, s, false);
      for (int i = 0; i < t.length; i++) {
        t[i] = (float) (mix * s[i] + (1 - mix) * t[i]);
      }
    }
    float inv = (float) (1 / settings.temperature());
    for (int i = 0; i < t.length; i++) {
      t[i] *= inv;
    }
    softmaxRows(t, b, c, anchorSlot);
    return t;
  }

  /**
   * The loss of one batch and its gradient with respect to {@code w} (written to {@code grad}).
   * Package-private for the gradient check.
   */
  double lossAndGradient(float[] w, int[] anchors, int[] candidates, int[] anchorSlot, float[] grad) {
    return lossAndGradient(w, anchors, candidates, anchorSlot, grad, true);
  }

  /** As above; the loss itself (logarithms of every probability) only when {@code withLoss}, else 0. */
  double lossAndGradient(float[] w, int[] anchors, int[] candidates, int[] anchorSlot, float[] grad, boolean withLoss) {
    int bits = spec.maxBits();
    int b = anchors.length;
    int c = candidates.length;
    float[] q = teacher(anchors, candidates, anchorSlot);
    float[] xc = rows(x, dim, candidates);
    float[] u = new float[c * bits];
    Linalg.gemmNN(xc, c, dim, w, bits, u);
    float[] t = new float[u.length];
    for (int i = 0; i < u.length; i++) {
      t[i] = (float) Math.tanh(u[i]);
    }
    int stages = spec.stages();
    // inner products of anchors and candidates over the first K outputs, built block by block
    float[] inner = new float[b * c];
    float[][] dS = new float[stages][];
    double loss = 0;
    int prev = 0;
    for (int s = 0; s < stages; s++) {
      int k = spec.length(s);
      float[] ta = block(t, bits, anchorSlot, prev, k);
      float[] tc = block(t, bits, null, prev, k, c);
      Linalg.gemmNT(ta, b, k - prev, tc, c, inner, true);
      float scale = (float) (settings.sharpness() / k);
      float[] p = new float[b * c];
      for (int i = 0; i < p.length; i++) {
        p[i] = inner[i] * scale;
      }
      softmaxRows(p, b, c, anchorSlot);
      float[] d = new float[b * c];
      for (int i = 0; i < p.length; i++) {
        if (withLoss && q[i] > 0) {
          loss += q[i] * (Math.log(q[i]) - Math.log(Math.max(p[i], 1e-30f)));
        }
        d[i] = (p[i] - q[i]) * scale / b;
      }
      dS[s] = d;
      prev = k;
    }
    // the gradient of the first K outputs collects every length of K or more: suffix sums
    for (int s = stages - 2; s >= 0; s--) {
      for (int i = 0; i < dS[s].length; i++) {
        dS[s][i] += dS[s + 1][i];
      }
    }
    float[] dt = new float[c * bits];
    prev = 0;
    for (int s = 0; s < stages; s++) {
      int k = spec.length(s);
      int width = k - prev;
      float[] ta = block(t, bits, anchorSlot, prev, k);
      float[] tc = block(t, bits, null, prev, k, c);
      // candidates: dS^T ta; anchors: dS tc (an anchor is also a candidate; both parts add up)
      float[] dc = new float[c * width];
      Linalg.gemmTN(dS[s], b, c, ta, width, dc);
      float[] da = new float[b * width];
      Linalg.gemmNN(dS[s], b, c, tc, width, da);
      for (int r = 0; r < c; r++) {
        for (int j = 0; j < width; j++) {
          dt[r * bits + prev + j] += dc[r * width + j];
        }
      }
      for (int i = 0; i < b; i++) {
        int r = anchorSlot[i];
        for (int j = 0; j < width; j++) {
          dt[r * bits + prev + j] += da[i * width + j];
        }
      }
      prev = k;
    }
    for (int i = 0; i < dt.length; i++) {
      dt[i] *= 1 - t[i] * t[i];
    }
    Arrays.fill(grad, 0f);
    Linalg.gemmTN(xc, c, dim, dt, bits, grad);
    return loss / b;
  }

  private static float[] rows(float[] a, int width, int[] pick) {
    float[] out = new float[pick.length * width];
    for (int i = 0; i < pick.length; i++) {
      System.arraycopy(a, pick[i] * width, out, i * width, width);
    }
    return out;
  }

  private static float[] block(float[] t, int bits, int[] pick, int from, int to) {
    return block(t, bits, pick, from, to, pick.length);
  }

  /** Columns {@code [from, to)} of the rows {@code pick} (all rows when null) of {@code t}. */
  private static float[] block(float[] t, int bits, int[] pick, int from, int to, int count) {
    int width = to - from;
    float[] out = new float[count * width];
    for (int i = 0; i < count; i++) {
      int r = pick == null ? i : pick[i];
      System.arraycopy(t, r * bits + from, out, i * width, width);
    }
    return out;
  }

  /** Softmax of each row in place, the column {@code exclude[row]} given probability 0. */
  static void softmaxRows(float[] z, int rows, int cols, int[] exclude) {
    for (int r = 0; r < rows; r++) {
      int o = r * cols;
      int ex = o + exclude[r];
      float max = Float.NEGATIVE_INFINITY;
      for (int j = o; j < o + cols; j++) {
        if (j != ex && z[j] > max) {
          max = z[j];
        }
      }
      double sum = 0;
      for (int j = o; j < o + cols; j++) {
        double e = j == ex ? 0 : Math.exp(z[j] - max);
        z[j] = (float) e;
        sum += e;
      }
      float inv = (float) (1 / sum);
      for (int j = o; j < o + cols; j++) {
        z[j] *= inv;
      }
    }
  }
}
