package dev.nhl.index;

import java.util.Arrays;

/**
 * Keeps the {@code keep} best (distance, id) pairs of the candidates offered, ties by smaller id,
 * without a heap: distances are small integers, so a histogram gives the k-th smallest in one pass
 * over at most {@code maxDistance + 1} counters. Every search of nhl-index collects through it:
 * scans offer ids in increasing order, the multi-index tables in any order ({@link #unordered}).
 *
 * <p>Offers are accepted while {@code distance < bound()}. The bound is the smallest distance
 * {@code t} with at least {@code keep} entries at or below it: a later offer at {@code t} has a
 * higher id than every entry held, so it can never make the top, and one above {@code t} even
 * less. The bound is lowered as offers arrive (it only falls, so that costs at most {@code
 * maxDistance} steps in all). Entries left above the bound are dropped when the buffer fills,
 * together with the surplus at the bound (the highest ids, which lose the tie). Each compaction
 * frees at least {@code keep} slots, so the cost is linear in the offers.
 *
 * <p>When ids come in any order, an offer at the k-th distance may still win its tie on id, so
 * offers are accepted up to and including it, and compaction keeps the smallest ids at it.
 */
final class TopCollector implements Collector {

  private final int keep;
  private final boolean ordered;
  private final int[] hist;
  private int[] ids;
  private short[] dists;
  private int size;
  private int bound;
  private long belowBound; // entries held with distance < bound

  /**
   * @param keep entries to keep
   * @param maxDistance largest possible distance
   * @param expected an estimate of how many offers will be accepted, to size the buffer
   */
  TopCollector(int keep, int maxDistance, long expected) {
    this(keep, maxDistance, expected, maxDistance + 1);
  }

  /**
   * A collector that accepts only distances below {@code initialBound}. Its result is the true
   * top {@code keep} only if it ends up holding {@code keep} entries ({@link #full()}): then
   * nothing at or above the initial bound could have beaten them.
   */
  TopCollector(int keep, int maxDistance, long expected, int initialBound) {
    this(keep, maxDistance, expected, initialBound, true);
  }

  /** A collector for candidates offered in any id order. */
  static TopCollector unordered(int keep, int maxDistance) {
    return unordered(keep, maxDistance, maxDistance);
  }

  /**
   * A collector for candidates offered in any id order that accepts none farther than {@code
   * needed}; {@link #worst()} is at most {@code needed} from the start.
   */
  static TopCollector unordered(int keep, int maxDistance, int needed) {
    assert needed <= maxDistance;
    TopCollector c = new TopCollector(keep, maxDistance, 4L * keep, Math.min(needed, maxDistance + 1), false);
    c.cap = needed < maxDistance ? needed : Integer.MAX_VALUE;
    return c;
  }

  private int cap = Integer.MAX_VALUE;

  private TopCollector(int keep, int maxDistance, long expected, int initialBound, boolean ordered) {
    assert keep > 0 && initialBound <= maxDistance + 1;
    this.keep = keep;
    this.ordered = ordered;
    this.hist = new int[maxDistance + 1];
    // sized for the offers expected, never past 2 * keep: compaction frees room beyond that
    int cap = (int) Math.min(Integer.MAX_VALUE - 16, Math.max(256, Math.min(2L * keep, expected + 1)));
    this.ids = new int[cap];
    this.dists = new short[cap];
    this.bound = initialBound;
  }

  /** Whether at least {@code keep} entries were accepted. */
  boolean full() {
    return size >= keep;
  }

  /** Offers with a distance at or above this are not accepted. */
  @Override
  public int bound() {
    return ordered ? bound : bound + 1;
  }

  /**
   * The largest distance a hit may have: the k-th smallest distance accepted so far once {@code
   * keep} were, before that the cap given to {@link #unordered(int, int, int)}, else {@code
   * Integer.MAX_VALUE}.
   */
  int worst() {
    return bound < hist.length && belowBound + hist[bound] >= keep ? bound : cap;
  }

  /** Offers a candidate; ids must increase from one offer to the next unless {@link #unordered}. */
  @Override
  public void offer(int id, int distance) {
    assert !ordered || size == 0 || id > ids[size - 1] : id + " after " + ids[size - 1];
    if (distance >= bound()) {
      return;
    }
    if (size == ids.length) {
      if (size < 2L * keep) {
        grow();
      } else {
        compact();
        if (distance >= bound()) {
          return;
        }
      }
    }
    ids[size] = id;
    dists[size] = (short) distance;
    size++;
    hist[distance]++;
    if (distance < bound) {
      belowBound++;
    }
    // keep entries at or below bound - 1 already: a later one at bound - 1 loses every tie
    while (belowBound >= keep) {
      bound--;
      belowBound -= hist[bound];
    }
  }

  private void grow() {
    int cap = (int) Math.min(Integer.MAX_VALUE - 16, Math.min(2L * keep, ids.length * 2L));
    ids = Arrays.copyOf(ids, cap);
    dists = Arrays.copyOf(dists, cap);
  }

  /** Reduces the entries to the best {@code keep}, in id order, and tightens the bound. */
  private void compact() {
    if (size <= keep) {
      return;
    }
    int t = 0;
    long below = 0; // entries with distance < t
    while (below + hist[t] < keep) {
      below += hist[t];
      t++;
    }
    int atT = (int) (keep - below); // entries at t that survive: the lowest ids
    int maxIdAtT = Integer.MAX_VALUE;
    if (!ordered) {
      // ids at t are in no order: the survivors are those up to the atT-th smallest
      int[] tied = new int[hist[t]];
      int c = 0;
      for (int i = 0; i < size; i++) {
        if (dists[i] == t) {
          tied[c++] = ids[i];
        }
      }
      Arrays.sort(tied, 0, c);
      maxIdAtT = tied[atT - 1];
    }
    int n = 0;
    for (int i = 0; i < size; i++) {
      // branch-free: whether an entry survives is a coin toss the predictor cannot learn
      int d = dists[i];
      int isT = d == t && ids[i] <= maxIdAtT ? 1 : 0;
      int take = (d < t ? 1 : 0) | (isT & (atT > 0 ? 1 : 0));
      ids[n] = ids[i];
      dists[n] = (short) d;
      n += take;
      atT -= isT & take;
    }
    assert n == keep;
    Arrays.fill(hist, t + 1, hist.length, 0);
    hist[t] = (int) (keep - below);
    size = n;
    bound = t;
    belowBound = below;
  }

  /** Entries {@code [0, count)} of two parallel arrays, in increasing id order. */
  record Kept(int[] ids, short[] dists, int count) {}

  /** The best {@code keep} entries, in increasing id order. Ends the collection. */
  Kept finishById() {
    compact();
    if (!ordered) {
      sortById();
    }
    return new Kept(ids, dists, size);
  }

  /** The best {@code keep} entries ordered by (distance, id). Ends the collection. */
  Hits finishRanked(java.util.List<Hits.StageStats> stages) {
    compact();
    if (!ordered) {
      sortById();
    }
    return ranked(ids, dists, size, stages);
  }

  /** Sorts the entries by id. */
  private void sortById() {
    long[] packed = new long[size];
    for (int i = 0; i < size; i++) {
      packed[i] = ((long) ids[i] << 16) | dists[i];
    }
    Arrays.sort(packed);
    for (int i = 0; i < size; i++) {
      ids[i] = (int) (packed[i] >>> 16);
      dists[i] = (short) (packed[i] & 0xFFFF);
    }
  }

  /**
   * Entries {@code [0, size)} given in increasing id order, ranked by distance with a counting
   * sort: within a distance the ids keep their increasing order.
   */
  static Hits ranked(int[] ids, short[] dists, int size, java.util.List<Hits.StageStats> stages) {
    int maxD = 0;
    for (int i = 0; i < size; i++) {
      maxD = Math.max(maxD, dists[i]);
    }
    int[] start = new int[maxD + 2];
    for (int i = 0; i < size; i++) {
      start[dists[i] + 1]++;
    }
    for (int d = 1; d < start.length; d++) {
      start[d] += start[d - 1];
    }
    int[] outIds = new int[size];
    int[] outDists = new int[size];
    for (int i = 0; i < size; i++) {
      int at = start[dists[i]]++;
      outIds[at] = ids[i];
      outDists[at] = dists[i];
    }
    return new Hits(outIds, outDists, stages);
  }
}
