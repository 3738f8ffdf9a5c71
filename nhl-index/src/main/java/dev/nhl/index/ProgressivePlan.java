package dev.nhl.index;

import java.util.ArrayList;
import java.util.List;

/**
 * The stages of a progressive search: each stage ranks the surviving candidates by their Hamming
 * distance at a longer length and keeps the best {@code keep} of them. The first stage scans every
 * code at the shortest length; each later stage reads only the bits added since the previous
 * stage, for the survivors only, adding them to the distances already computed. The last stage's
 * {@code keep} is the number of hits returned.
 *
 * <p>A plan whose every stage keeps at least as many candidates as there are codes returns exactly
 * what an exact search at the last length returns.
 *
 * @param stages at least one; lengths strictly increasing, keeps positive and non-increasing
 */
public record ProgressivePlan(List<Stage> stages) {

  /**
   * One stage.
   *
   * @param length code length in bits, one of the spec's lengths
   * @param keep candidates kept after this stage, at least 1
   */
  public record Stage(int length, int keep) {
    /**
     * @throws IllegalArgumentException if {@code length} or {@code keep} is not positive
     */
    public Stage {
      if (length <= 0) {
        throw new IllegalArgumentException("stage length must be positive, got " + length);
      }
      if (keep <= 0) {
        throw new IllegalArgumentException(
            "stage at " + length + " bits must keep at least 1 candidate, got " + keep);
      }
    }
  }

  /**
   * @throws IllegalArgumentException if there is no stage, lengths do not increase or keeps
   *     increase
   */
  public ProgressivePlan {
    if (stages == null || stages.isEmpty()) {
      throw new IllegalArgumentException("a progressive plan needs at least one stage");
    }
    stages = List.copyOf(stages);
    for (int i = 1; i < stages.size(); i++) {
      Stage a = stages.get(i - 1);
      Stage b = stages.get(i);
      if (b.length() <= a.length()) {
        throw new IllegalArgumentException(
            "stage lengths must increase, got " + a.length() + " then " + b.length() + " in " + stages);
      }
      if (b.keep() > a.keep()) {
        throw new IllegalArgumentException(
            "a stage cannot keep more candidates than the one before, got "
                + a.keep()
                + " then "
                + b.keep()
                + " in "
                + stages);
      }
    }
  }

  /** A plan from stages. */
  public static ProgressivePlan of(Stage... stages) {
    return new ProgressivePlan(List.of(stages));
  }

  /** The one-stage plan of an exact search: every code ranked at {@code length}, {@code k} kept. */
  public static ProgressivePlan exact(int length, int k) {
    return of(new Stage(length, k));
  }

  /**
   * Every length of {@code spec} up to {@code length}, each stage keeping every candidate, then
   * {@code k}: the same hits as {@link #exact}, computed stage by stage.
   */
  public static ProgressivePlan exhaustive(CodeSpec spec, int length, int k) {
    List<Stage> out = new ArrayList<>();
    for (int s = 0; s <= spec.stageOf(length); s++) {
      int l = spec.length(s);
      out.add(new Stage(l, l == length ? k : Integer.MAX_VALUE));
    }
    return new ProgressivePlan(out);
  }

  /**
   * The default plan for {@code n} codes, {@code k} hits and a final {@code length}.
   *
   * <p>Up to {@value #EXACT_UP_TO} codes it is exact: a scan of all of them at the final length
   * takes a fraction of a millisecond, less than a progressive search's fixed costs (measured in
   * {@code bench}: at 50,000 codes exact took 0.04 ms, progressive 0.2 ms; at a million,
   * progressive is 1.8x faster). It is exact as well when the spec has no shorter length, or when
   * the first stage would keep more than a sixteenth of the codes. Otherwise the first
   * stage is the shortest length of the spec with at least {@code max(16, min(32, ceil(log2 n) +
   * 8))} bits: a prefix with fewer distinct values than about 256 per code ties too often to rank
   * the codes, and the scan of every code is the one stage whose cost grows with {@code n}. That
   * length and every later length of the spec up to {@code length} form the stages. The stage
   * before the last keeps {@code 100 k} candidates and each earlier one twice as many as the next
   * (with 16/32/64/128, a million codes and k = 10: 32 bits keep 2000, 64 bits keep 1000, then
   * 128 bits return 10). Later stages read only their increment for the survivors, so keeping a
   * few thousand costs little next to the first scan.
   *
   * @throws IllegalArgumentException if {@code length} is not in the spec or k is not positive
   */
  public static ProgressivePlan defaultPlan(CodeSpec spec, long n, int k, int length) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive, got " + k);
    }
    int last = spec.stageOf(length);
    if (n <= EXACT_UP_TO || last == 0) {
      return exact(length, k);
    }
    int log2 = 64 - Long.numberOfLeadingZeros(n - 1);
    int minBits = Math.max(16, Math.min(32, log2 + 8));
    int first = last;
    for (int s = 0; s <= last; s++) {
      if (spec.length(s) >= minBits) {
        first = s;
        break;
      }
    }
    int m = last - first + 1;
    if (m > 1 && (100L * k << (m - 2)) > n / 16) {
      // keeping that many of so few codes costs more than reading them all
      return exact(length, k);
    }
    List<Stage> out = new ArrayList<>(m);
    for (int j = 0; j < m; j++) {
      long keep = j == m - 1 ? k : 100L * k << (m - 2 - j);
      out.add(new Stage(spec.length(first + j), (int) Math.min(Integer.MAX_VALUE, keep)));
    }
    return new ProgressivePlan(out);
  }

  /** Collections up to this size are searched exactly by the default plan. */
  public static final int EXACT_UP_TO = 1 << 18;

  /** The length of the last stage. */
  public int finalLength() {
    return stages.getLast().length();
  }

  /** The number of hits: the last stage's keep. */
  public int k() {
    return stages.getLast().keep();
  }

  /**
   * Checks the plan's lengths against a spec.
   *
   * @throws IllegalArgumentException if a length is not one of the spec's
   */
  void checkAgainst(CodeSpec spec) {
    for (Stage s : stages) {
      if (!spec.hasLength(s.length())) {
        throw new IllegalArgumentException(
            "plan stage length " + s.length() + " is not one of the code spec's lengths " + spec);
      }
    }
  }
}
