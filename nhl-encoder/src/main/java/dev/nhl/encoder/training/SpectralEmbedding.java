package dev.nhl.encoder.training;

import java.util.Random;
import java.util.stream.IntStream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Coordinates of a graph's items in which neighbours are close: the leading non-trivial
 * eigenvectors of the normalised adjacency {@code D^-1/2 W D^-1/2} (Laplacian eigenmaps, Belkin
 * and Niyogi 2003), each scaled back by {@code D^-1/2}. Found by subspace iteration on {@code (I +
 * A) / 2} (every eigenvalue in [0, 1], the order kept) with a Rayleigh-Ritz step at the end; the
 * work is {@code iterations x (edges + n p^2)} for {@code p} a few more columns than asked, the
 * memory a few {@code n x p} blocks. The leading directions converge first; the last ones need not
 * be exact eigenvectors, only a smooth subspace of the graph, which is all the hash codes use.
 */
final class SpectralEmbedding {

  /** Columns iterated beyond those asked for, which speeds the convergence of the last ones. */
  static final int EXTRA = 16;

  private SpectralEmbedding() {}

  /**
   * The embedding, {@code n x dims} row-major, each column scaled to norm {@code sqrt(n)}.
   *
   * @throws IllegalArgumentException if {@code dims + 1 > n}
   */
  static float[] embed(NeighbourGraph.Adjacency g, int dims, int iterations, long seed) {
    int n = g.n();
    if (dims < 1 || dims + 1 > n) {
      throw new IllegalArgumentException("an embedding of " + dims + " dimensions needs more than " + dims
          + " items, got " + n);
    }
    int p = Math.min(n, dims + 1 + EXTRA);
    float[] dinv = new float[n];
    for (int i = 0; i < n; i++) {
      int d = g.degree(i);
      dinv[i] = d == 0 ? 0f : (float) (1 / Math.sqrt(d));
    }
    Random random = new Random(seed);
    float[] z = new float[n * p];
    for (int i = 0; i < z.length; i++) {
      z[i] = (float) random.nextGaussian();
    }
    orthonormalise(z, n, p);
    float[] az = new float[n * p];
    for (int it = 0; it < iterations; it++) {
      multiply(g, dinv, z, p, az);
      for (int i = 0; i < z.length; i++) {
        z[i] = 0.5f * (z[i] + az[i]);
      }
      orthonormalise(z, n, p);
    }
    multiply(g, dinv, z, p, az);
    float[] t = new float[p * p];
    Linalg.gemmTN(z, n, p, az, p, t);
    DMatrixRMaj tm = new DMatrixRMaj(p, p);
    for (int i = 0; i < p; i++) {
      for (int j = 0; j < p; j++) {
        tm.set(i, j, 0.5 * (t[i * p + j] + t[j * p + i]));
      }
    }
    float[] ritz = eigenvectorsDescending(tm, p);
    float[] e = new float[n * p];
    Linalg.gemmNN(z, n, p, ritz, p, e);
    // the leading eigenvector is D^1/2 1 (constant after scaling): it carries no order
    float[] out = new float[n * dims];
    double[] norms = new double[dims];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < dims; c++) {
        float v = e[i * p + c + 1] * dinv[i];
        out[i * dims + c] = v;
        norms[c] += (double) v * v;
      }
    }
    for (int c = 0; c < dims; c++) {
      double s = norms[c] > 0 ? Math.sqrt(n / norms[c]) : 0;
      for (int i = 0; i < n; i++) {
        out[i * dims + c] = (float) (out[i * dims + c] * s);
      }
    }
    return out;
  }

  /** {@code out = D^-1/2 W D^-1/2 z}, rows in parallel. */
  static void multiply(NeighbourGraph.Adjacency g, float[] dinv, float[] z, int p, float[] out) {
    int[] start = g.start();
    int[] cols = g.cols();
    IntStream.range(0, g.n()).parallel().forEach(i -> {
      int o = i * p;
      java.util.Arrays.fill(out, o, o + p, 0f);
      for (int e = start[i]; e < start[i + 1]; e++) {
        int j = cols[e];
        Linalg.axpy(dinv[j], z, j * p, out, o, p);
      }
      float s = dinv[i];
      for (int c = 0; c < p; c++) {
        out[o + c] *= s;
      }
    });
  }

  /**
   * Orthonormal columns spanning those of {@code z} ({@code n x p}), in place: Cholesky QR done
   * twice, which brings float columns back to orthogonality after the first pass's rounding.
   */
  static void orthonormalise(float[] z, int n, int p) {
    for (int pass = 0; pass < 2; pass++) {
      float[] gram = new float[p * p];
      Linalg.gemmTN(z, n, p, z, p, gram);
      DMatrixRMaj gm = new DMatrixRMaj(p, p);
      double trace = 0;
      for (int i = 0; i < p; i++) {
        for (int j = 0; j < p; j++) {
          gm.set(i, j, 0.5 * (gram[i * p + j] + gram[j * p + i]));
        }
        trace += gram[i * p + i];
      }
      // a column that lost all weight (a graph of few components) must not stop the factorisation
      double jitter = 1e-7 * Math.max(trace / p, 1e-30);
      for (int i = 0; i < p; i++) {
        gm.add(i, i, jitter);
      }
      CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(p, true);
      if (!chol.decompose(gm)) {
        throw new IllegalStateException("the iterated subspace lost its rank");
      }
      DMatrixRMaj lower = chol.getT(null);
      DMatrixRMaj inv = new DMatrixRMaj(p, p);
      CommonOps_DDRM.invert(lower, inv);
      // z <- z L^-T
      float[] m = new float[p * p];
      for (int i = 0; i < p; i++) {
        for (int j = 0; j < p; j++) {
          m[i * p + j] = (float) inv.get(j, i);
        }
      }
      float[] out = new float[n * p];
      Linalg.gemmNN(z, n, p, m, p, out);
      System.arraycopy(out, 0, z, 0, out.length);
    }
  }

  /**
   * The eigenvectors of a symmetric matrix as the columns of a {@code p x p} row-major array,
   * in order of decreasing eigenvalue.
   */
  static float[] eigenvectorsDescending(DMatrixRMaj symmetric, int p) {
    EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(p, true, true);
    if (!eig.decompose(symmetric.copy())) {
      throw new IllegalStateException("eigendecomposition failed");
    }
    Integer[] order = new Integer[p];
    double[] values = new double[p];
    for (int i = 0; i < p; i++) {
      order[i] = i;
      values[i] = eig.getEigenvalue(i).getReal();
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
    float[] v = new float[p * p];
    for (int c = 0; c < p; c++) {
      DMatrixRMaj vec = eig.getEigenVector(order[c]);
      for (int r = 0; r < p; r++) {
        v[r * p + c] = vec == null ? 0f : (float) vec.get(r, 0);
      }
    }
    return v;
  }
}
