package dev.nhl.encoder.training;

import dev.nhl.index.CodeSpec;
import java.util.Objects;

/**
 * How {@link NhlTrainer} trains a head. Build with {@link #builder(CodeSpec)}; every option has a
 * default.
 *
 * @param spec the nested code lengths; a spec of one length trains the single-length baseline
 * @param objective the per-length hashing objective (default {@link Objective#CSQ})
 * @param mode which of the nested layer's training components are on (default {@link Mode#FULL})
 * @param hiddenUnits units of a shared hidden layer before the nested layer, 0 for none (default 0)
 * @param epochs maximum epochs (default 30)
 * @param batchSize rows per mini-batch (default 128)
 * @param learningRate Adam's step size (default 1e-3)
 * @param weightDecay L2 weight decay (default 1e-5)
 * @param distillationWeight λ_d of the cascade distillation loss (default 1)
 * @param beta β of the dominance-aware weighting's tolerance (default 1)
 * @param validationFraction share of the training items held out for early stopping (default 0.1;
 *     0 trains on all items for {@code epochs} epochs)
 * @param patience epochs in which no length's validation mAP improved before training stops
 *     (default 5)
 * @param validationTopK K of the validation mAP@K (default 1000)
 * @param seed seed of initialisation, shuffling, hash centres and the validation split (default 42)
 * @param centres how CSQ draws the hash centres of several lengths (default {@link Centres#AUTO})
 * @param centreSpec the lengths whose centres CSQ draws, of which this run's lengths take theirs
 *     (default: {@code spec}); a single-length run given the spec of a nested run trains towards
 *     exactly the centres that run gives its length of the same seed, as a fair baseline
 * @param trunkLearningRate Adam's step size for a trainable {@link Trunk} (default 1e-4: the trunk
 *     starts trained, the head does not)
 * @param pairSample for DSH and DHN: how many training items already seen each mini-batch forms
 *     pairs with, drawn at random per batch; 0 (the default) pairs with all of them, whose cost
 *     grows with the training set
 */
public record TrainerConfig(
    CodeSpec spec,
    Objective objective,
    Mode mode,
    int hiddenUnits,
    int epochs,
    int batchSize,
    double learningRate,
    double weightDecay,
    double distillationWeight,
    double beta,
    double validationFraction,
    int patience,
    int validationTopK,
    long seed,
    Centres centres,
    CodeSpec centreSpec,
    double trunkLearningRate,
    int pairSample) {

  /**
   * How CSQ draws the hash centres when there are several lengths. Every length has its own
   * centres either way; they differ in whether the lengths' targets agree on the bits they share.
   */
  public enum Centres {
    /**
     * NESTED when the shortest length cannot give every class a Hadamard centre (more classes
     * than twice its bits), INDEPENDENT otherwise. Measured in {@code bench/RESULTS.md}: with 101
     * classes nested centres give full NHL an average mAP@1000 of 0.680 against 0.569 (three
     * seeds); with 10 classes (Fashion-MNIST) independent centres give 0.853 against 0.846 for
     * nested ones, and 0.838 against 0.813 at 8 bits (three seeds).
     */
    AUTO,
    /**
     * Each shorter length's centres are the first bits of the longest length's, whose columns are
     * in a random order (Hadamard rows stay orthogonal under a column permutation).
     */
    NESTED,
    /** Each length draws its centres on its own, as the single-length method does. */
    INDEPENDENT,
    /**
     * Not the paper's method: each length's increment over the next shorter length draws centres
     * of its own (for 8/16/32/64/128 bits: blocks of 8, 8, 16, 32 and 64 bits), and a length's
     * centre is its blocks one after the other. The lengths agree on every bit they share, as
     * with NESTED, and each block is a code of its own size (Hadamard rows when the classes fit),
     * so the shortest length trains towards the centres a single-length run of it would draw.
     */
    BLOCK;

    /** The way taken for this many classes and shortest length: AUTO resolved, others as they are. */
    public Centres resolve(int classes, int shortest) {
      return this != AUTO ? this : classes > 2 * shortest ? NESTED : INDEPENDENT;
    }

    boolean nested(int classes, int shortest) {
      return resolve(classes, shortest) == NESTED;
    }
  }

  /** The training components of the nested layer that are switched on. */
  public enum Mode {
    /** Sum of the per-length losses, equal weights. */
    PLAIN(false, false),
    /** Per-length losses with dominance-aware dynamic weights. */
    WEIGHTED(true, false),
    /** Equal weights, plus long-short cascade self-distillation. */
    DISTILLED(false, true),
    /** Dynamic weights and distillation: the full Nested Hash Layer. */
    FULL(true, true);

    final boolean weighting;
    final boolean distillation;

    Mode(boolean weighting, boolean distillation) {
      this.weighting = weighting;
      this.distillation = distillation;
    }
  }

  /** Validates every option. */
  public TrainerConfig {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(objective, "objective");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(centres, "centres");
    check(hiddenUnits >= 0, "hidden units must be at least 0", hiddenUnits);
    check(epochs >= 1, "epochs must be at least 1", epochs);
    check(batchSize >= 2, "batch size must be at least 2", batchSize);
    check(learningRate > 0 && Double.isFinite(learningRate), "learning rate must be positive and finite", learningRate);
    check(weightDecay >= 0 && Double.isFinite(weightDecay), "weight decay must be at least 0", weightDecay);
    check(distillationWeight >= 0 && Double.isFinite(distillationWeight), "distillation weight must be at least 0", distillationWeight);
    check(beta > 0 && Double.isFinite(beta), "beta must be positive and finite", beta);
    check(validationFraction >= 0 && validationFraction < 1, "validation fraction must be in [0, 1)", validationFraction);
    check(patience >= 1, "patience must be at least 1", patience);
    check(validationTopK >= 1, "validation top K must be at least 1", validationTopK);
    check(trunkLearningRate > 0 && Double.isFinite(trunkLearningRate), "trunk learning rate must be positive and finite",
        trunkLearningRate);
    check(pairSample >= 0, "pair sample must be at least 0", pairSample);
    Objects.requireNonNull(centreSpec, "centreSpec");
    for (int k : spec.lengths()) {
      if (java.util.Arrays.stream(centreSpec.lengths()).noneMatch(c -> c == k)) {
        throw new IllegalArgumentException("centre spec " + centreSpec + " must contain every length of spec "
            + spec + ", lacks " + k);
      }
    }
  }

  private static void check(boolean ok, String what, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(what + ", got " + value);
    }
  }

  /** A builder with every default, for the given code lengths. */
  public static Builder builder(CodeSpec spec) {
    return new Builder(spec);
  }

  /**
   * The same options for other code lengths (a single length gives the baseline of that length),
   * whose centres are drawn for those lengths.
   */
  public TrainerConfig withSpec(CodeSpec other) {
    return new TrainerConfig(other, objective, mode, hiddenUnits, epochs, batchSize, learningRate,
        weightDecay, distillationWeight, beta, validationFraction, patience, validationTopK, seed, centres, other, trunkLearningRate, pairSample);
  }

  /** The same options with another mode. */
  public TrainerConfig withMode(Mode other) {
    return new TrainerConfig(spec, objective, other, hiddenUnits, epochs, batchSize, learningRate,
        weightDecay, distillationWeight, beta, validationFraction, patience, validationTopK, seed, centres, centreSpec, trunkLearningRate, pairSample);
  }

  /** The same options with another objective. */
  public TrainerConfig withObjective(Objective other) {
    return new TrainerConfig(spec, other, mode, hiddenUnits, epochs, batchSize,
        learningRate, weightDecay, distillationWeight, beta, validationFraction, patience, validationTopK, seed, centres,
        centreSpec, trunkLearningRate, pairSample);
  }

  /** The same options with another pair sample (DSH and DHN). */
  public TrainerConfig withPairSample(int other) {
    return new TrainerConfig(spec, objective, mode, hiddenUnits, epochs, batchSize, learningRate,
        weightDecay, distillationWeight, beta, validationFraction, patience, validationTopK, seed, centres, centreSpec,
        trunkLearningRate, other);
  }

  /** The same options with another seed. */
  public TrainerConfig withSeed(long other) {
    return new TrainerConfig(spec, objective, mode, hiddenUnits, epochs, batchSize, learningRate,
        weightDecay, distillationWeight, beta, validationFraction, patience, validationTopK, other, centres, centreSpec, trunkLearningRate, pairSample);
  }

  /**
   * The same options with centres drawn in another way, for the lengths of {@code of}: a
   * single-length config given a nested run's spec trains towards that run's centres of its
   * length.
   *
   * @throws IllegalArgumentException if {@code of} lacks one of this config's lengths
   */
  public TrainerConfig withCentres(Centres how, CodeSpec of) {
    return new TrainerConfig(spec, objective, mode, hiddenUnits, epochs, batchSize, learningRate,
        weightDecay, distillationWeight, beta, validationFraction, patience, validationTopK, seed, how, of, trunkLearningRate, pairSample);
  }

  /** Builds a {@link TrainerConfig}; see its components for the defaults. */
  public static final class Builder {
    private final CodeSpec spec;
    private Objective objective = Objective.CSQ;
    private Mode mode = Mode.FULL;
    private int hiddenUnits = 0;
    private int epochs = 30;
    private int batchSize = 128;
    private double learningRate = 1e-3;
    private double weightDecay = 1e-5;
    private double distillationWeight = 1.0;
    private double beta = DominanceWeighting.DEFAULT_BETA;
    private double validationFraction = 0.1;
    private int patience = 5;
    private int validationTopK = 1000;
    private long seed = 42;
    private Centres centres = Centres.AUTO;
    private CodeSpec centreSpec;
    private double trunkLearningRate = 1e-4;
    private int pairSample = 0;

    private Builder(CodeSpec spec) {
      this.spec = spec;
    }

    /** The per-length objective. */
    public Builder objective(Objective v) {
      objective = v;
      return this;
    }

    /** The training components. */
    public Builder mode(Mode v) {
      mode = v;
      return this;
    }

    /** Units of a shared hidden layer, 0 for none. */
    public Builder hiddenUnits(int v) {
      hiddenUnits = v;
      return this;
    }

    /** Maximum epochs. */
    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    /** Rows per mini-batch. */
    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    /** Adam's step size. */
    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    /** L2 weight decay. */
    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    /** λ_d, the weight of the distillation loss. */
    public Builder distillationWeight(double v) {
      distillationWeight = v;
      return this;
    }

    /** β, the weighting's tolerance factor. */
    public Builder beta(double v) {
      beta = v;
      return this;
    }

    /** Share of training items held out for early stopping. */
    public Builder validationFraction(double v) {
      validationFraction = v;
      return this;
    }

    /** Epochs without improvement before stopping. */
    public Builder patience(int v) {
      patience = v;
      return this;
    }

    /** K of the validation mAP@K. */
    public Builder validationTopK(int v) {
      validationTopK = v;
      return this;
    }

    /** Seed of everything random in training. */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** How CSQ draws the centres of several lengths. */
    public Builder centres(Centres v) {
      centres = v;
      return this;
    }

    /** Adam's step size for a trainable trunk. */
    public Builder trunkLearningRate(double v) {
      trunkLearningRate = v;
      return this;
    }

    /** For DSH and DHN: seen items a batch pairs with, 0 for all. */
    public Builder pairSample(int v) {
      pairSample = v;
      return this;
    }

    /** The lengths whose centres are drawn (default: the spec's). */
    public Builder centreSpec(CodeSpec v) {
      centreSpec = v;
      return this;
    }

    /** The validated configuration. */
    public TrainerConfig build() {
      return new TrainerConfig(spec, objective, mode, hiddenUnits, epochs, batchSize, learningRate,
          weightDecay, distillationWeight, beta, validationFraction, patience, validationTopK, seed, centres,
          centreSpec != null ? centreSpec : spec, trunkLearningRate, pairSample);
    }
  }
}
