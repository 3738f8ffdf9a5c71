package dev.nhl.encoder.training;

/**
 * Long-short cascade self-distillation: a shorter code (student) learns the similarity structure
 * of the next longer one (teacher, a constant). {@code SP(S, T) = ||norm_rows(T T^T) -
 * norm_rows(S S^T)||_F^2 / B^2}, where {@code norm_rows} scales each row to unit length.
 */
final class CascadeDistillation {

  private static final double EPS = 1e-12;

  private CascadeDistillation() {}

  /**
   * The loss, with its gradient with respect to the student.
   *
   * @param s student, {@code rows x sBits}
   * @param t teacher, {@code rows x tBits}; no gradient flows to it
   * @param grad receives {@code dSP/dS}, {@code rows x sBits}, overwritten
   */
  static double lossAndGradient(float[] s, int sBits, float[] t, int tBits, int rows, float[] grad) {
    float[] gs = new float[rows * rows];
    float[] gt = new float[rows * rows];
    Linalg.gemmNT(s, rows, sBits, s, rows, gs, false);
    Linalg.gemmNT(t, rows, tBits, t, rows, gt, false);
    double[] sNorms = normaliseRows(gs, rows);
    normaliseRows(gt, rows);
    double b2 = (double) rows * rows;
    double loss = 0;
    // dL/dG, through the row normalisation: (dN - N (N·dN)) / |G_a|
    float[] dg = new float[rows * rows];
    for (int a = 0; a < rows; a++) {
      double proj = 0;
      for (int j = 0; j < rows; j++) {
        int i = a * rows + j;
        double diff = gs[i] - gt[i];
        loss += diff * diff;
        double dn = 2 * diff / b2;
        dg[i] = (float) dn;
        proj += dn * gs[i];
      }
      for (int j = 0; j < rows; j++) {
        int i = a * rows + j;
        dg[i] = (float) ((dg[i] - gs[i] * proj) / sNorms[a]);
      }
    }
    // G = S S^T: dS = (dG + dG^T) S
    float[] sym = new float[rows * rows];
    for (int a = 0; a < rows; a++) {
      for (int j = 0; j < rows; j++) {
        sym[a * rows + j] = dg[a * rows + j] + dg[j * rows + a];
      }
    }
    java.util.Arrays.fill(grad, 0, rows * sBits, 0f);
    Linalg.gemmNN(sym, rows, rows, s, sBits, grad);
    return loss / b2;
  }

  /** Scales each row to unit length in place; returns the norms before scaling (at least EPS). */
  private static double[] normaliseRows(float[] g, int rows) {
    double[] norms = new double[rows];
    for (int a = 0; a < rows; a++) {
      double n = Math.sqrt(MemoryBank.squaredNorm(g, a * rows, rows));
      norms[a] = Math.max(n, EPS);
      for (int j = 0; j < rows; j++) {
        g[a * rows + j] = (float) (g[a * rows + j] / norms[a]);
      }
    }
    return norms;
  }
}
