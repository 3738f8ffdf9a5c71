package dev.nhl.index;

import dev.nhl.index.internal.vectorization.HammingKernel;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The search algorithms over columnar planes: a first stage that scans every code block by block
 * (or, under a sparse filter, gathers the allowed ids), and later stages that gather only the
 * increment of the survivors. Stateless; the block buffers of a scan are the thread's own,
 * taken for the scan and given back (a search of many small segments otherwise allocates them
 * once a segment), fresh ones when a scan on the same thread still holds them.
 */
final class StageSearch {

  /** Codes per block: the block's distances stay in L1 between the planes of a stage. */
  static final int BLOCK = 2048;

  /** The block buffers of one scan. */
  static final class Scratch {
    final short[] dist = new short[BLOCK];
    final int[] pos = new int[BLOCK];
    final int[] ids = new int[BLOCK];
    final short[] rest = new short[BLOCK];
    private boolean taken;
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** The thread's buffers, or fresh ones while they are taken; give them back with {@link #release}. */
  static Scratch take() {
    Scratch s = SCRATCH.get();
    if (s.taken) {
      return new Scratch();
    }
    s.taken = true;
    return s;
  }

  static void release(Scratch s) {
    s.taken = false;
  }

  private final ColumnLayout layout;
  private final MemorySegment[] planes;
  private final int n;
  private final HammingKernel kernel;

  StageSearch(ColumnLayout layout, MemorySegment[] planes, int n, HammingKernel kernel) {
    this.layout = layout;
    this.planes = planes;
    this.n = n;
    this.kernel = kernel;
  }

  /** Whether so few ids are accepted that visiting them one by one beats a scan. */
  boolean sparse(AcceptedIds accept) {
    return !accept.acceptsAll() && accept.estimatedCount() <= n / CostModel.SPARSE_FILTER_RATIO;
  }

  Hits search(byte[] query, ProgressivePlan plan, AcceptedIds filter) {
    return search(query, plan, filter, Integer.MAX_VALUE);
  }

  /**
   * Runs {@code plan}; {@code knownWorst} is a distance at or below which at least {@code keep}
   * accepted codes of the first stage are known to lie ({@code Integer.MAX_VALUE}: none known),
   * so that its scan may skip every code farther than that.
   */
  Hits search(byte[] query, ProgressivePlan plan, AcceptedIds filter, int knownWorst) {
    CodeSpec spec = layout.spec;
    List<Hits.StageStats> stats = new ArrayList<>(plan.stages().size());
    List<ProgressivePlan.Stage> stages = plan.stages();
    TopCollector.Kept cur = null; // the candidates carried from one stage to the next
    int prevStage = -1;
    for (int j = 0; j < stages.size(); j++) {
      ProgressivePlan.Stage st = stages.get(j);
      int stage = spec.stageOf(st.length());
      boolean last = j == stages.size() - 1;
      long t0 = System.nanoTime();
      TopCollector collector;
      long candidates;
      long bytes;
      if (cur == null && !sparse(filter)) {
        candidates = n;
        long[] read = new long[1];
        collector = scanAll(query, stage, filter, st.keep(), j == 0 ? knownWorst : Integer.MAX_VALUE, read);
        bytes = read[0];
      } else {
        if (cur == null) {
          cur = allowedIds(filter);
        }
        candidates = cur.count();
        int from = prevStage < 0 ? 0 : layout.planesThrough(prevStage);
        int to = layout.planesThrough(stage);
        for (int p = from; p < to; p++) {
          kernel.gather(planes[p], layout.planeWordBytes[p], layout.queryWord(query, p), cur.ids(), cur.count(), cur.dists());
        }
        bytes = candidates * (layout.bytesThrough(stage) - (prevStage < 0 ? 0 : layout.bytesThrough(prevStage)));
        collector = new TopCollector(st.keep(), st.length(), cur.count());
        int[] ids = cur.ids();
        short[] d = cur.dists();
        for (int i = 0, m = cur.count(); i < m; i++) {
          collector.offer(ids[i], d[i]);
        }
      }
      if (last) {
        Hits hits = collector.finishRanked(List.of());
        stats.add(new Hits.StageStats(st.length(), candidates, hits.size(), System.nanoTime() - t0, bytes));
        return new Hits(hits.ids(), hits.distances(), stats);
      }
      cur = collector.finishById();
      prevStage = stage;
      stats.add(new Hits.StageStats(st.length(), candidates, cur.count(), System.nanoTime() - t0, bytes));
    }
    throw new AssertionError("a plan has at least one stage");
  }

  private TopCollector.Kept allowedIds(AcceptedIds filter) {
    int[] ids = new int[(int) Math.min(n, Math.max(16, filter.estimatedCount()))];
    int m = 0;
    for (int id = filter.nextAccepted(0, n); id < n; id = filter.nextAccepted(id + 1, n)) {
      if (m == ids.length) {
        ids = java.util.Arrays.copyOf(ids, Math.min(n, 2 * m));
      }
      ids[m++] = id;
    }
    return new TopCollector.Kept(ids, new short[Math.max(m, 1)], m);
  }

  /** Codes sampled to estimate the bound of a scan: 32 blocks spread over the index. */
  static final int SAMPLE_BLOCKS = 32;

  /**
   * Scans every code at {@code stage}'s length and collects the best {@code keep} accepted ones.
   *
   * <p>A collector that starts with no bound accepts about {@code keep * (1 + ln(n / keep))}
   * offers before its bound settles, which costs more than the scan itself when {@code keep} is
   * thousands. So a large scan first ranks a sample of blocks and starts the collector at the
   * distance below which the sample predicts twice {@code keep} accepted codes (scaled by the
   * share of ids that deletions and the filter leave). If fewer than {@code keep} codes pass that
   * bound (an unlucky sample, a filter that favours distant codes), the scan runs again without
   * it; either way the result is exact.
   *
   * <p>With a bound, the scan reads only a prefix of each code for every code: the distance over
   * the first planes is a lower bound of the distance over all of them, so a code whose prefix
   * already reaches the bound is out, and only the survivors' remaining planes are read. The
   * sample also says how many codes survive each prefix, which picks the cheapest one.
   */
  private TopCollector scanAll(byte[] query, int stage, AcceptedIds filter, int keep, int knownWorst, long[] bytesRead) {
    Scratch scratch = take();
    try {
      return scanAll(query, stage, filter, keep, knownWorst, bytesRead, scratch);
    } finally {
      release(scratch);
    }
  }

  private TopCollector scanAll(byte[] query, int stage, AcceptedIds filter, int keep, int knownWorst, long[] bytesRead,
      Scratch scratch) {
    int maxDistance = layout.spec.length(stage);
    long[] q = queryWords(query, stage);
    long expected = Math.min(n, 4L * keep);
    Sample sample = sample(q, scratch.dist, knownWorst >= maxDistance);
    if (knownWorst < maxDistance) {
      // exact: at least keep accepted codes lie at or below knownWorst
      TopCollector bounded = new TopCollector(keep, maxDistance, expected, knownWorst + 1);
      bytesRead[0] += scanInto(q, filter, bounded, scratch, sample.prefixPlanes(knownWorst + 1));
      return bounded;
    }
    int estimate = sample.bound(keep, filter);
    if (estimate <= maxDistance) {
      TopCollector bounded = new TopCollector(keep, maxDistance, expected, estimate);
      bytesRead[0] += scanInto(q, filter, bounded, scratch, sample.prefixPlanes(estimate));
      if (bounded.full()) {
        return bounded;
      }
    }
    TopCollector collector = new TopCollector(keep, maxDistance, expected);
    bytesRead[0] += scanInto(q, filter, collector, scratch, q.length);
    return collector;
  }

  private long[] queryWords(byte[] query, int stage) {
    int planeCount = layout.planesThrough(stage);
    long[] q = new long[planeCount];
    for (int p = 0; p < planeCount; p++) {
      q[p] = layout.queryWord(query, p);
    }
    return q;
  }

  /** Distances of codes {@code [start, start + cnt)} at {@code stage}'s length into {@code dist}. */
  private void distances(long[] q, int start, int cnt, short[] dist) {
    for (int p = 0; p < q.length; p++) {
      kernel.scan(planes[p], layout.planeWordBytes[p], q[p], start, cnt, dist, p > 0);
    }
  }

  /**
   * Distances of a sample of blocks: {@code hist[p][d]} codes lie at distance {@code d} over
   * planes {@code 0..p}, of {@code sampled} codes for the last plane and {@code prefixSampled}
   * for the others. Empty when the index is too small to sample.
   */
  private record Sample(long[][] hist, long sampled, long prefixSampled, long n, int[] codeBytes) {

    /**
     * The smallest bound under which the sample predicts at least {@code 2 * keep} accepted codes,
     * or one more than the longest distance when there is no sample.
     */
    int bound(int keep, AcceptedIds filter) {
      int last = hist.length - 1;
      if (sampled == 0) {
        return hist[last].length;
      }
      double scale = Math.min(filter.estimatedCount(), n) / (double) sampled;
      long cum = 0;
      for (int t = 0; t < hist[last].length; t++) {
        cum += hist[last][t];
        if (cum * scale >= 2.0 * keep) {
          return t + 1;
        }
      }
      return hist[last].length;
    }

    /**
     * How many planes a scan under {@code bound} reads for every code, the rest only for codes
     * whose distance over those is below the bound: the cheapest by the sample.
     */
    int prefixPlanes(int bound) {
      if (prefixSampled == 0) {
        // too small to sample: the share of codes unrelated to the query under the bound
        return cheapestPrefix(codeBytes, p -> CostModel.unrelatedBelow(8 * codeBytes[p - 1], bound));
      }
      return cheapestPrefix(codeBytes, p -> {
        long survive = 0;
        for (int d = 0; d < Math.min(bound, hist[p - 1].length); d++) {
          survive += hist[p - 1][d];
        }
        return survive / (double) prefixSampled;
      });
    }
  }

  /**
   * The number of planes a scan reads for every code that costs least, given the share of codes
   * expected under the bound after the first {@code p} planes ({@code survive.applyAsDouble(p)}):
   * a prefix costs its bytes, and each survivor a gather of every plane after it.
   */
  static int cheapestPrefix(int[] codeBytes, java.util.function.IntToDoubleFunction survive) {
    int planes = codeBytes.length;
    int best = planes;
    double bestCost = codeBytes[planes - 1];
    for (int p = 1; p < planes; p++) {
      double cost = prefixCost(codeBytes, p, survive.applyAsDouble(p));
      if (cost < bestCost) {
        bestCost = cost;
        best = p;
      }
    }
    return best;
  }

  /** Whether reading {@code p} planes of every code, and the rest of a share {@code survive}, beats whole codes. */
  static boolean prefixPays(int[] codeBytes, int p, double survive) {
    return prefixCost(codeBytes, p, survive) < codeBytes[codeBytes.length - 1];
  }

  /** What reading {@code p} planes of every code costs, a share {@code survive} of them reading the rest. */
  private static double prefixCost(int[] codeBytes, int p, double survive) {
    return codeBytes[p - 1] + survive * CostModel.GATHER_PER_PLANE * (codeBytes.length - p);
  }

  /**
   * Samples blocks for {@link Sample}: {@value #SAMPLE_BLOCKS} spread over the index when the
   * scan needs a bound ({@code forBound}); when the tables gave it one, a quarter of them, enough
   * to choose a prefix (a scan after the tables gave up is one whose prefixes rarely prune, and
   * the full sample cost uniform codes a tenth of the scan). Prefix distances are counted on a
   * quarter of the blocks either way: a histogram update a code and plane cost as much as the
   * scan of the block, and a quarter tells survivors' shares as well.
   */
  private Sample sample(long[] q, short[] dist, boolean forBound) {
    int planeCount = q.length;
    long[][] hist = new long[planeCount][];
    int[] codeBytes = new int[planeCount];
    for (int p = 0, bytes = 0; p < planeCount; p++) {
      bytes += layout.planeWordBytes[p];
      codeBytes[p] = bytes;
      hist[p] = new long[8 * bytes + 1];
    }
    int blocks = (n + BLOCK - 1) / BLOCK;
    if (blocks < 4 * SAMPLE_BLOCKS) {
      return new Sample(hist, 0, 0, n, codeBytes);
    }
    int step = blocks / SAMPLE_BLOCKS;
    long sampled = 0;
    long prefixSampled = 0;
    int last = planeCount - 1;
    for (int b = 0; b < SAMPLE_BLOCKS; b += forBound ? 1 : PREFIX_SAMPLE_EVERY) {
      int start = b * step * BLOCK;
      int cnt = Math.min(BLOCK, n - start);
      boolean prefixes = b % PREFIX_SAMPLE_EVERY == 0;
      for (int p = 0; p < planeCount; p++) {
        kernel.scan(planes[p], layout.planeWordBytes[p], q[p], start, cnt, dist, p > 0);
        if (p == last || prefixes) {
          long[] h = hist[p];
          for (int i = 0; i < cnt; i++) {
            h[dist[i]]++;
          }
        }
      }
      sampled += cnt;
      prefixSampled += prefixes ? cnt : 0;
    }
    return new Sample(hist, sampled, prefixSampled, n, codeBytes);
  }

  /** One sampled block in this many also counts its codes' prefix distances. */
  static final int PREFIX_SAMPLE_EVERY = 4;

  /**
   * Offers every accepted code under the collector's bound: planes {@code [0, prefix)} are read
   * for every code, the others only for the codes whose distance over those is under the bound.
   * Returns the bytes of codes read.
   */
  private long scanInto(long[] q, AcceptedIds filter, TopCollector collector, Scratch scratch, int prefix) {
    int[] codeBytes = new int[q.length];
    for (int p = 0, b = 0; p < q.length; p++) {
      b += layout.planeWordBytes[p];
      codeBytes[p] = b;
    }
    boolean all = filter.acceptsAll();
    short[] dist = scratch.dist;
    int[] pos = scratch.pos;
    int[] ids = scratch.ids;
    short[] rest = scratch.rest;
    long gathered = 0;
    long prefixBytes = 0;
    // codes read through the prefix, and those under the bound there: the prediction is checked on
    // every block, and the scan reads whole codes once the prefix is seen to cost more
    long seen = 0;
    long under = 0;
    for (int start = 0; start < n; start += BLOCK) {
      int cnt = Math.min(BLOCK, n - start);
      if (prefix < q.length && seen > 0 && !prefixPays(codeBytes, prefix, under / (double) seen)) {
        prefix = q.length;
      }
      int last = prefix - 1;
      boolean pair = prefix == 2 && layout.planeWordBytes[0] == layout.planeWordBytes[1];
      prefixBytes += (long) cnt * codeBytes[last];
      int hits;
      if (pair) {
        // a prefix of two equal planes (16 + 16 bits) in one pass over the block
        hits = kernel.scanPairBelow(planes[0], q[0], planes[1], q[1], layout.planeWordBytes[0],
            start, cnt, dist, collector.bound(), pos);
      } else {
        // widest plane first, without reading dist; the first plane (the shortest prefix, the most
        // lanes per vector) last, fused with the comparison
        for (int p = last; p > 0; p--) {
          kernel.scan(planes[p], layout.planeWordBytes[p], q[p], start, cnt, dist, p < last);
        }
        hits = kernel.scanBelow(
            planes[0], layout.planeWordBytes[0], q[0], start, cnt, dist, last > 0, collector.bound(), pos);
      }
      if (prefix == q.length) {
        offerAll(start, hits, dist, pos, filter, collector);
        continue;
      }
      seen += cnt;
      under += hits;
      int m = 0;
      for (int h = 0; h < hits; h++) {
        int id = start + pos[h];
        if (all || filter.accept(id)) {
          ids[m] = id;
          rest[m++] = dist[pos[h]];
        }
      }
      for (int p = prefix; p < q.length; p++) {
        kernel.gather(planes[p], layout.planeWordBytes[p], q[p], ids, m, rest);
      }
      for (int i = 0; i < m; i++) {
        collector.offer(ids[i], rest[i]);
      }
      gathered += (long) m * (codeBytes[q.length - 1] - codeBytes[last]);
    }
    return prefixBytes + gathered;
  }

  private void offerAll(int start, int hits, short[] dist, int[] pos, AcceptedIds filter, TopCollector collector) {
    boolean all = filter.acceptsAll();
    for (int h = 0; h < hits; h++) {
      int id = start + pos[h];
      if (all || filter.accept(id)) {
        collector.offer(id, dist[pos[h]]);
      }
    }
  }

  /** Every accepted code within {@code radius} at {@code stage}'s length, ranked. */
  Hits radius(byte[] query, int stage, int radius, AcceptedIds filter) {
    long t0 = System.nanoTime();
    int length = layout.spec.length(stage);
    RadiusCollector sink = new RadiusCollector(radius);
    long candidates;
    long bytes;
    if (sparse(filter)) {
      TopCollector.Kept cur = allowedIds(filter);
      for (int p = 0, to = layout.planesThrough(stage); p < to; p++) {
        kernel.gather(planes[p], layout.planeWordBytes[p], layout.queryWord(query, p), cur.ids(), cur.count(), cur.dists());
      }
      for (int i = 0; i < cur.count(); i++) {
        if (cur.dists()[i] <= radius) {
          sink.add(cur.ids()[i], cur.dists()[i]);
        }
      }
      candidates = cur.count();
    } else {
      long[] q = queryWords(query, stage);
      Scratch scratch = take();
      short[] dist = scratch.dist;
      int[] pos = scratch.pos;
      try {
        for (int start = 0; start < n; start += BLOCK) {
          int cnt = Math.min(BLOCK, n - start);
          distances(q, start, cnt, dist);
          int hits = kernel.below(dist, cnt, radius + 1, pos);
          for (int h = 0; h < hits; h++) {
            int id = start + pos[h];
            if (filter.accept(id)) {
              sink.add(id, dist[pos[h]]);
            }
          }
        }
      } finally {
        release(scratch);
      }
      candidates = n;
    }
    bytes = candidates * layout.bytesThrough(stage);
    int found = sink.size();
    return sink.ranked(List.of(new Hits.StageStats(length, candidates, found, System.nanoTime() - t0, bytes)));
  }
}
