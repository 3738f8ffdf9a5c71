package dev.nhl.index;

import dev.nhl.index.internal.vectorization.HammingKernel;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The search algorithms over columnar planes: a first stage that scans every code block by block
 * (or, under a sparse filter, gathers the allowed ids), and later stages that gather only the
 * increment of the survivors. Stateless; every call allocates its own scratch.
 */
final class StageSearch {

  /** Codes per block: the block's distances stay in L1 between the planes of a stage. */
  static final int BLOCK = 2048;

  /** A filter that allows at most one id in this many starts from its ids instead of a scan. */
  static final int SPARSE_FILTER_RATIO = 64;

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
    return !accept.acceptsAll() && accept.estimatedCount() <= n / SPARSE_FILTER_RATIO;
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
        collector = scanAll(query, stage, filter, st.keep(), j == 0 ? knownWorst : Integer.MAX_VALUE);
        bytes = (long) n * layout.bytesThrough(stage);
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
   */
  private TopCollector scanAll(byte[] query, int stage, AcceptedIds filter, int keep, int knownWorst) {
    int maxDistance = layout.spec.length(stage);
    long[] q = queryWords(query, stage);
    short[] dist = new short[BLOCK];
    int[] pos = new int[BLOCK];
    if (knownWorst < maxDistance) {
      // exact: at least keep accepted codes lie at or below knownWorst
      TopCollector bounded = new TopCollector(keep, maxDistance, Math.min(n, 4L * keep), knownWorst + 1);
      scanInto(q, stage, filter, bounded, dist, pos);
      return bounded;
    }
    int estimate = estimateBound(q, stage, keep, dist, filter);
    long expected = Math.min(n, 4L * keep);
    if (estimate <= maxDistance) {
      TopCollector bounded = new TopCollector(keep, maxDistance, expected, estimate);
      scanInto(q, stage, filter, bounded, dist, pos);
      if (bounded.full()) {
        return bounded;
      }
    }
    TopCollector collector = new TopCollector(keep, maxDistance, expected);
    scanInto(q, stage, filter, collector, dist, pos);
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
   * The smallest bound under which a sample of blocks predicts at least {@code 2 * keep} live
   * codes, or {@code maxDistance + 1} when the index is too small to sample.
   */
  private int estimateBound(long[] q, int stage, int keep, short[] dist, AcceptedIds filter) {
    int maxDistance = layout.spec.length(stage);
    int blocks = (n + BLOCK - 1) / BLOCK;
    if (blocks < 4 * SAMPLE_BLOCKS) {
      return maxDistance + 1;
    }
    long[] hist = new long[maxDistance + 1];
    int step = blocks / SAMPLE_BLOCKS;
    long sampled = 0;
    for (int b = 0; b < SAMPLE_BLOCKS; b++) {
      int start = b * step * BLOCK;
      int cnt = Math.min(BLOCK, n - start);
      distances(q, start, cnt, dist);
      for (int i = 0; i < cnt; i++) {
        hist[dist[i]]++;
      }
      sampled += cnt;
    }
    double live = Math.min(filter.estimatedCount(), n);
    double scale = live / sampled;
    long cum = 0;
    for (int t = 0; t <= maxDistance; t++) {
      cum += hist[t];
      if (cum * scale >= 2.0 * keep) {
        return t + 1;
      }
    }
    return maxDistance + 1;
  }

  private void scanInto(long[] q, int stage, AcceptedIds filter, TopCollector collector, short[] dist, int[] pos) {
    int last = q.length - 1;
    boolean pair = q.length == 2 && layout.planeWordBytes[0] == layout.planeWordBytes[1];
    for (int start = 0; start < n; start += BLOCK) {
      int cnt = Math.min(BLOCK, n - start);
      if (pair) {
        // a stage of two equal planes (16 + 16 bits) in one pass over the block
        int hits = kernel.scanPairBelow(planes[0], q[0], planes[1], q[1], layout.planeWordBytes[0],
            start, cnt, dist, collector.bound(), pos);
        offerAll(start, hits, dist, pos, filter, collector);
        continue;
      }
      // widest plane first, without reading dist; the first plane (the shortest prefix, the most
      // lanes per vector) last, fused with the comparison
      for (int p = last; p > 0; p--) {
        kernel.scan(planes[p], layout.planeWordBytes[p], q[p], start, cnt, dist, p < last);
      }
      int hits = kernel.scanBelow(
          planes[0], layout.planeWordBytes[0], q[0], start, cnt, dist, last > 0, collector.bound(), pos);
      offerAll(start, hits, dist, pos, filter, collector);
    }
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
      short[] dist = new short[BLOCK];
      int[] pos = new int[BLOCK];
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
      candidates = n;
    }
    bytes = candidates * layout.bytesThrough(stage);
    int found = sink.size();
    return sink.ranked(List.of(new Hits.StageStats(length, candidates, found, System.nanoTime() - t0, bytes)));
  }
}
