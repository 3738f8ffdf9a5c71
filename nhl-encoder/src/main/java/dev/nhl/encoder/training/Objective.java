package dev.nhl.encoder.training;

/**
 * The deep supervised hashing objective applied to each code length. Every length gets its own
 * instance of the objective on its own prefix of the outputs.
 */
public enum Objective {
  /**
   * Central Similarity Quantization: one hash centre per class (rows of a Hadamard matrix and their
   * negations when the length is a power of two and there are at most twice as many classes as
   * bits, balanced random ±1 vectors otherwise); binary cross-entropy of {@code (tanh(u)+1)/2}
   * to {@code (c+1)/2} plus {@code 1e-4 * mean((|tanh u| - 1)^2)}. A multi-label item's centre is
   * the sign of the sum of its labels' centres. Cost per batch: {@code O(batch x bits)}.
   */
  CSQ,
  /**
   * Deep Supervised Hashing: pairwise contrastive loss with margin {@code 2 x bits} against a
   * memory bank holding the latest output of every training item seen so far, plus {@code 0.1 *
   * mean|1 - |u||}. Cost per batch: {@code O(batch x training items x bits)}.
   */
  DSH,
  /**
   * Deep Hashing Network: pairwise likelihood {@code log(1 + e^-|θ|) + max(θ, 0) - sθ} with
   * {@code θ = u·U/2} against the same kind of memory bank, plus {@code 0.1 * mean log cosh(|u| -
   * 1)}. Cost per batch: {@code O(batch x training items x bits)}.
   */
  DHN;

  /** The pairwise objectives' instance for one length (CSQ's come with their centres: {@link Csq#forLengths}). */
  LengthObjective create(int bits, Labels train, int pairSample, long seed) {
    return switch (this) {
      case CSQ -> throw new IllegalStateException("CSQ objectives are made with their centres");
      case DSH -> new Dsh(bits, train, pairSample, seed);
      case DHN -> new Dhn(bits, train, pairSample, seed);
    };
  }
}
