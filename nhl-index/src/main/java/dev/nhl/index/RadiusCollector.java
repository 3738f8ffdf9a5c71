package dev.nhl.index;

import java.util.Arrays;
import java.util.List;

/** Collects every (id, distance) pair below a bound, in any order; ranks them by distance, then id. */
final class RadiusCollector implements Collector {
  private final int bound;
  private long[] packed = new long[64];
  private int size;

  /** A collector of the pairs at distance {@code radius} or less. */
  RadiusCollector(int radius) {
    this.bound = radius + 1;
  }

  @Override
  public int bound() {
    return bound;
  }

  @Override
  public void offer(int id, int d) {
    add(id, d);
  }

  void add(int id, int d) {
    if (size == packed.length) {
      packed = Arrays.copyOf(packed, 2 * size);
    }
    packed[size++] = ((long) d << 32) | (id & 0xFFFFFFFFL);
  }

  int size() {
    return size;
  }

  Hits ranked(List<Hits.StageStats> stages) {
    long[] p = Arrays.copyOf(packed, size);
    Arrays.sort(p);
    int[] outIds = new int[size];
    int[] outDists = new int[size];
    for (int i = 0; i < size; i++) {
      outIds[i] = (int) p[i];
      outDists[i] = (int) (p[i] >>> 32);
    }
    return new Hits(outIds, outDists, stages);
  }
}
