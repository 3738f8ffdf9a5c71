package dev.nhl.index;

import java.util.Arrays;
import java.util.List;

/** Collects (id, distance) pairs in any order; ranks them by distance, then id. */
final class RadiusCollector {
  private long[] packed = new long[64];
  private int size;

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
