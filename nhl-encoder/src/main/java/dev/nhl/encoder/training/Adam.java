package dev.nhl.encoder.training;

/**
 * Adam over one parameter array, with L2 weight decay added to the gradient (as PyTorch's
 * {@code Adam(weight_decay=...)} does).
 */
final class Adam {

  static final double BETA1 = 0.9;
  static final double BETA2 = 0.999;
  static final double EPS = 1e-8;

  private final float[] m;
  private final float[] v;
  private int t;

  Adam(int size) {
    this.m = new float[size];
    this.v = new float[size];
  }

  /** One step: {@code param -= lr * mHat / (sqrt(vHat) + eps)}. */
  void step(float[] param, float[] grad, double lr, double weightDecay) {
    assert param.length == m.length && grad.length == m.length;
    t++;
    double c1 = 1 - Math.pow(BETA1, t);
    double c2 = 1 - Math.pow(BETA2, t);
    for (int i = 0; i < param.length; i++) {
      double g = grad[i] + weightDecay * param[i];
      double mi = BETA1 * m[i] + (1 - BETA1) * g;
      double vi = BETA2 * v[i] + (1 - BETA2) * g * g;
      m[i] = (float) mi;
      v[i] = (float) vi;
      param[i] -= (float) (lr * (mi / c1) / (Math.sqrt(vi / c2) + EPS));
    }
  }
}
