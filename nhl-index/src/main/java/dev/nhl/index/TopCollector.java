package dev.nhl.index;

import java.util.Arrays;

/**
 * Keeps the {@code keep} best (distance, id) pairs of candidates offered in increasing id order,
 * without a heap: distances are small integers, so a histogram gives the k-th smallest in one pass
 * over at most {@code maxDistance + 1} counters.
 *
 * <p>Offers are accepted while {@code distance < bound()}. The bound is the smallest distance
 * {@code t} with at least {@code keep} entries at or below it: a later offer at {@code t} has a
 * higher id than every entry held, so it can never make the top, and one above {@code t} even
 * less. The bound is lowered as offers arrive (it only falls, so that costs at most {@code
 * maxDistance} steps in all). Entries left above the bound are dropped when the buffer fills,
 * together with the surplus at the bound (the highest ids, which lose the tie). Each compaction
 * frees at least {@code keep} slots, so the cost is linear in the offers.
 */
final class TopCollector {

  private final int keep;
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
    assert keep > 0 && initialBound <= maxDistance + 1;
    this.keep = keep;
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
  int bound() {
    return bound;
  }

  /** Offers a candidate; ids must increase from one offer to the next. */
  void offer(int id, int distance) {
    assert size == 0 || id > ids[size - 1] : id + " after " + ids[size - 1];
    if (distance >= bound) {
      return;
    }
    if (size == ids.length) {
      if (size < 2L * keep) {
        grow();
      } else {
        compact();
        if (distance >= bound) {
          return;
        }
      }
    }
    ids[size] = id;
    dists[size] = (short) distance;
    size++;
    hist[distance]++;
    belowBound++;
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
    int atT = (int) (keep - below); // entries at t that survive: the first ones, lowest ids
    int n = 0;
    for (int i = 0; i < size; i++) {
      // branch-free: whether an entry survives is a coin toss the predictor cannot learn
      int d = dists[i];
      int isT = d == t ? 1 : 0;
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
    return new Kept(ids, dists, size);
  }

  /** The best {@code keep} entries ordered by (distance, id). Ends the collection. */
  Hits finishRanked(java.util.List<Hits.StageStats> stages) {
    compact();
    return ranked(ids, dists, size, stages);
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
