package dev.nhl.encoder.training;

import dev.nhl.index.CodeSpec;
import java.util.Arrays;
import java.util.Random;

/**
 * Refines a nested head (one linear layer, or a ReLU hidden layer and a linear one, all without
 * biases) so that, at every length, each item's neighbourhood in code space matches two targets:
 * for a batch of anchors and candidates (the anchors, their graph neighbours and a few items drawn
 * at random), the student of length {@code K} is the softmax of {@code sharpness * <tanh u_a,
 * tanh u_c>_K / K} over the first {@code K} outputs, and the loss is the Kullback-Leibler
 * divergence of that student from
 *
 * <ul>
 *   <li>the <em>graph teacher</em>: the softmax at temperature {@code temperature} of a mix of the
 *       spectral embedding's cosine (weight {@code mix}) and the features' own, which gathers
 *       photos of one kind; and
 *   <li>the <em>look-alike teacher</em>, weighted {@code cosineWeight}: the softmax of the
 *       features' cosine at the lower temperature {@code cosineTemperature}, which puts each
 *       photo's nearest look-alikes first;
 * </ul>
 *
 * summed over lengths with weights growing as {@code K^lengthPower} (normalised to a mean of 1).
 * All lengths train one model, so each length's loss shapes the outputs the longer codes share:
 * the short codes learn to rank the nearest neighbours first, the long ones add detail. Without
 * biases every layer is positively homogeneous, so scaling a feature vector never changes its
 * code. Steps draw their anchors from the seed: deterministic.
 *
 * <p>Two things make the binary codes, not only their relaxation, keep the neighbourhoods of
 * photos the head has not seen. Each step perturbs the candidates' inputs (not the teachers'
 * features) with uniform noise of norm about {@code noise}, so that a code depends on what a
 * photo shows rather than on where one training photo lies; and the student's slope grows
 * linearly from 1 to {@code finalSlope} (it reads {@code tanh(slope * u)}), so that training ends
 * close to the signs the codes will be.
 *
 * <p>Parameters are one array: the hidden layer {@code hidden x dim} (absent when {@code hidden}
 * is 0), then the output layer {@code bits x width}, {@code width} the hidden units or {@code
 * dim}; both row-major, outputs by inputs, as {@link NhlHead} holds them.
 */
final class NeighbourhoodDistillation {

  /**
   * @param steps Adam steps
   * @param batch anchors a step
   * @param extra candidates drawn at random each step beside the anchors and their neighbours
   * @param mix weight of the embedding's similarity in the graph teacher, the rest the features'
   * @param temperature the graph teacher's softmax temperature
   * @param cosineWeight weight of the look-alike teacher (0 for none)
   * @param cosineTemperature the look-alike teacher's softmax temperature
   * @param lengthPower lengths' losses weigh as {@code K^lengthPower}
   * @param sharpness the student's scale of code similarities
   * @param learningRate Adam's step size
   * @param noise norm, about, of the noise added to each candidate's input (0 for none)
   * @param finalSlope the student's slope at the last step (1 for a constant slope)
   */
  record Settings(int steps, int batch, int extra, double mix, double temperature, double cosineWeight,
      double cosineTemperature, double lengthPower, double sharpness, double learningRate, double noise,
      double finalSlope) {}

  private final CodeSpec spec;
  private final float[] x;
  private final int n;
  private final int dim;
  private final int hidden;
  private final float[] look;
  private final int lookDim;
  private final float[] embedding;
  private final int m;
  private final NeighbourGraph graph;
  private final Settings settings;
  private final double[] lengthWeights;

  /**
   * @param x unit feature rows, {@code n x dim}: the model's inputs
   * @param hidden units of the hidden layer, 0 for a linear head
   * @param look unit rows in which the features' cosine is taken for the targets, {@code n x
   *     lookDim} (the features themselves, or their leading principal components, which give
   *     almost the same cosine for a fraction of the work)
   * @param embedding unit rows of the target embedding, {@code n x m} (ignored when {@code mix} is 0)
   * @param graph neighbours joined to each batch as candidates
   */
  NeighbourhoodDistillation(CodeSpec spec, float[] x, int n, int dim, int hidden, float[] look, int lookDim,
      float[] embedding, int m, NeighbourGraph graph, Settings settings) {
    this.spec = spec;
    this.x = x;
    this.n = n;
    this.dim = dim;
    this.hidden = hidden;
    this.look = look;
    this.lookDim = lookDim;
    this.embedding = embedding;
    this.m = m;
    this.graph = graph;
    this.settings = settings;
    int stages = spec.stages();
    lengthWeights = new double[stages];
    double sum = 0;
    for (int s = 0; s < stages; s++) {
      lengthWeights[s] = Math.pow((double) spec.length(s) / spec.maxBits(), settings.lengthPower());
      sum += lengthWeights[s];
    }
    for (int s = 0; s < stages; s++) {
      lengthWeights[s] *= stages / sum;
    }
  }

  /** Parameters of a model of these shapes. */
  static int parameters(int dim, int hidden, int bits) {
    return hidden > 0 ? hidden * dim + bits * hidden : bits * dim;
  }

  /** Refines {@code params} in place; returns the mean loss of the last tenth of the steps. */
  double refine(float[] params, Random random) {
    Adam adam = new Adam(params.length);
    int batch = Math.min(settings.batch(), n);
    int[] order = new int[n];
    Arrays.setAll(order, i -> i);
    int[] stamp = new int[n];
    int[] slot = new int[n];
    float[] grad = new float[params.length];
    double tail = 0;
    int tailSteps = Math.max(1, settings.steps() / 10);
    for (int step = 1; step <= settings.steps(); step++) {
      // anchors: a partial shuffle; candidates: the anchors, their neighbours, then random items not yet in
      int[] anchors = new int[batch];
      for (int i = 0; i < batch; i++) {
        int j = i + random.nextInt(n - i);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
        anchors[i] = order[i];
      }
      int[] cand = new int[batch * (1 + graph.k()) + settings.extra()];
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
            cand[c++] = j;
          }
        }
      }
      for (int e = 0; e < settings.extra(); e++) {
        int j = random.nextInt(n);
        if (stamp[j] != step) {
          stamp[j] = step;
          cand[c++] = j;
        }
      }
      int[] candidates = Arrays.copyOf(cand, c);
      int[] anchorSlot = new int[batch];
      for (int i = 0; i < batch; i++) {
        anchorSlot[i] = slot[anchors[i]];
      }
      boolean report = step > settings.steps() - tailSteps;
      float slope = (float) (1 + (settings.finalSlope() - 1) * step / settings.steps());
      float[] inputs = rows(x, dim, candidates);
      if (settings.noise() > 0) {
        perturb(inputs, dim, (float) settings.noise(), random.nextLong());
      }
      double loss = lossAndGradient(params, anchors, candidates, anchorSlot, grad, report, slope, inputs);
      adam.step(params, grad, settings.learningRate(), 0);
      if (report) {
        tail += loss / tailSteps;
      }
    }
    return tail;
  }

  /**
   * Adds uniform noise of variance {@code (noise^2 / dim)} per coordinate to every row: a norm of
   * about {@code noise}. A xorshift generator, as Gaussian draws would cost more than the step.
   */
  static void perturb(float[] rows, int dim, float noise, long seed) {
    long state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    // uniform on [-a, a] has variance a^2 / 3
    float a = (float) (noise * Math.sqrt(3.0 / dim));
    float toUnit = 2f * a / (1 << 24);
    for (int i = 0; i < rows.length; i++) {
      state ^= state << 13;
      state ^= state >>> 7;
      state ^= state << 17;
      rows[i] += (int) (state >>> 40) * toUnit - a;
    }
  }

  /** The features' cosine of each anchor to the candidates, {@code anchors x candidates}. */
  private float[] cosine(int[] anchors, int[] candidates) {
    float[] t = new float[anchors.length * candidates.length];
    Linalg.gemmNT(rows(look, lookDim, anchors), anchors.length, lookDim, rows(look, lookDim, candidates),
        candidates.length, t, false);
    return t;
  }

  /** The graph teacher: softmax of the mixed similarities of each anchor to the candidates, itself excluded. */
  float[] teacher(int[] anchors, int[] candidates, int[] anchorSlot) {
    return graphTeacher(cosine(anchors, candidates), anchors, candidates, anchorSlot);
  }

  private float[] graphTeacher(float[] cos, int[] anchors, int[] candidates, int[] anchorSlot) {
    int b = anchors.length;
    int c = candidates.length;
    float[] t = cos.clone();
    double mix = settings.mix();
    if (mix > 0) {
      float[] s = new float[b * c];
      Linalg.gemmNT(rows(embedding, m, anchors), b, m, rows(embedding, m, candidates), c, s, false);
      for (int i = 0; i < t.length; i++) {
        t[i] = (float) (mix * s[i] + (1 - mix) * t[i]);
      }
    }
    return softmax(t, b, c, anchorSlot, settings.temperature());
  }

  /** The look-alike teacher: softmax of the features' cosine at its own temperature. */
  float[] lookAlikeTeacher(int[] anchors, int[] candidates, int[] anchorSlot) {
    return softmax(cosine(anchors, candidates), anchors.length, candidates.length, anchorSlot,
        settings.cosineTemperature());
  }

  private static float[] softmax(float[] z, int rows, int cols, int[] exclude, double temperature) {
    float[] out = z.clone();
    float inv = (float) (1 / temperature);
    for (int i = 0; i < out.length; i++) {
      out[i] *= inv;
    }
    softmaxRows(out, rows, cols, exclude);
    return out;
  }

  /**
   * The loss of one batch and its gradient with respect to {@code params} (written to {@code
   * grad}). Package-private for the gradient check.
   */
  double lossAndGradient(float[] params, int[] anchors, int[] candidates, int[] anchorSlot, float[] grad) {
    return lossAndGradient(params, anchors, candidates, anchorSlot, grad, true, 1f, rows(x, dim, candidates));
  }

  /**
   * As above, with the student's {@code slope} and the candidates' {@code inputs} (their feature
   * rows, perhaps perturbed); the loss itself (logarithms of every probability) only when {@code
   * withLoss}, else 0.
   */
  double lossAndGradient(float[] params, int[] anchors, int[] candidates, int[] anchorSlot, float[] grad,
      boolean withLoss, float slope, float[] inputs) {
    int bits = spec.maxBits();
    int b = anchors.length;
    int c = candidates.length;
    int width = hidden > 0 ? hidden : dim;
    float[] w1 = hidden > 0 ? Arrays.copyOfRange(params, 0, hidden * dim) : null;
    float[] w2 = Arrays.copyOfRange(params, hidden * dim, hidden * dim + bits * width);
    float[] cos = cosine(anchors, candidates);
    float[] q = graphTeacher(cos, anchors, candidates, anchorSlot);
    double lambda = settings.cosineWeight();
    float[] qc = lambda > 0 ? softmax(cos, b, c, anchorSlot, settings.cosineTemperature()) : null;
    float[] xc = inputs;
    float[] h = xc;
    float[] z = null;
    if (hidden > 0) {
      z = new float[c * hidden];
      Linalg.gemmNT(xc, c, dim, w1, hidden, z, false);
      h = new float[z.length];
      for (int i = 0; i < z.length; i++) {
        h[i] = Math.max(0f, z[i]);
      }
    }
    float[] u = new float[c * bits];
    Linalg.gemmNT(h, c, width, w2, bits, u, false);
    float[] t = new float[u.length];
    for (int i = 0; i < u.length; i++) {
      t[i] = (float) Math.tanh(slope * u[i]);
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
      double lw = lengthWeights[s];
      float[] d = new float[b * c];
      for (int i = 0; i < p.length; i++) {
        double g = p[i] - q[i];
        if (qc != null) {
          g += lambda * (p[i] - qc[i]);
        }
        if (withLoss) {
          double logP = Math.log(Math.max(p[i], 1e-30f));
          if (q[i] > 0) {
            loss += lw * q[i] * (Math.log(q[i]) - logP);
          }
          if (qc != null && qc[i] > 0) {
            loss += lw * lambda * qc[i] * (Math.log(qc[i]) - logP);
          }
        }
        d[i] = (float) (lw * g * scale / b);
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
      int bw = k - prev;
      float[] ta = block(t, bits, anchorSlot, prev, k);
      float[] tc = block(t, bits, null, prev, k, c);
      // candidates: dS^T ta; anchors: dS tc (an anchor is also a candidate; both parts add up)
      float[] dc = new float[c * bw];
      Linalg.gemmTN(dS[s], b, c, ta, bw, dc);
      float[] da = new float[b * bw];
      Linalg.gemmNN(dS[s], b, c, tc, bw, da);
      for (int r = 0; r < c; r++) {
        for (int j = 0; j < bw; j++) {
          dt[r * bits + prev + j] += dc[r * bw + j];
        }
      }
      for (int i = 0; i < b; i++) {
        int r = anchorSlot[i];
        for (int j = 0; j < bw; j++) {
          dt[r * bits + prev + j] += da[i * bw + j];
        }
      }
      prev = k;
    }
    for (int i = 0; i < dt.length; i++) {
      dt[i] *= slope * (1 - t[i] * t[i]);
    }
    Arrays.fill(grad, 0f);
    float[] g2 = new float[bits * width];
    Linalg.gemmTN(dt, c, bits, h, width, g2);
    System.arraycopy(g2, 0, grad, hidden * dim, g2.length);
    if (hidden > 0) {
      float[] dh = new float[c * hidden];
      Linalg.gemmNN(dt, c, bits, w2, hidden, dh);
      for (int i = 0; i < dh.length; i++) {
        if (z[i] <= 0) {
          dh[i] = 0;
        }
      }
      float[] g1 = new float[hidden * dim];
      Linalg.gemmTN(dh, c, hidden, xc, dim, g1);
      System.arraycopy(g1, 0, grad, 0, g1.length);
    }
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
