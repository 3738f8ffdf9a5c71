package dev.nhl.encoder.training;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The k nearest neighbours of every item by cosine similarity, found exactly by blocks of a
 * matrix product: memory is the neighbour lists ({@code n x k}) plus one block of similarities
 * ({@code BLOCK x n}), never {@code n x n}.
 *
 * <p>Near-duplicates are not neighbours: a candidate whose similarity reaches {@code duplicate}
 * is passed over, so that a burst of near-identical shots does not become a clique of its own
 * that the spectral embedding spends dimensions on; each shot of the burst links to the photos
 * around it instead. Ties in similarity go to the lower index.
 */
final class NeighbourGraph {

  /** Rows of similarities computed at once. */
  static final int BLOCK = 256;

  private final int n;
  private final int k;
  // n x k, -1 past the neighbours found (fewer than k when most others are duplicates)
  private final int[] neighbours;
  private final float[] similarities;
  private final long duplicates;
  // near-duplicate groups: each item's representative (union-find roots resolved)
  private final int[] group;

  private NeighbourGraph(int n, int k, int[] neighbours, float[] similarities, long duplicates, int[] group) {
    this.n = n;
    this.k = k;
    this.neighbours = neighbours;
    this.similarities = similarities;
    this.duplicates = duplicates;
    this.group = group;
  }

  /**
   * The graph of unit-length rows.
   *
   * @param rows {@code n x dim} row-major, each row of unit length (or zero)
   * @param k neighbours per item; at most {@code n - 1} are found
   * @param duplicate similarity from which a candidate counts as a near-duplicate and is skipped
   *     (above 1 to keep every candidate)
   * @throws IllegalArgumentException if the shapes disagree or {@code k < 1}
   */
  static NeighbourGraph build(float[] rows, int n, int dim, int k, float duplicate) {
    if (n < 2 || dim < 1 || rows.length != (long) n * dim) {
      throw new IllegalArgumentException("expected at least 2 rows of " + dim + " values, got " + rows.length
          + " values for " + n + " rows");
    }
    if (k < 1) {
      throw new IllegalArgumentException("neighbours per item must be at least 1, got " + k);
    }
    int kk = Math.min(k, n - 1);
    float[] columns = new float[dim * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < dim; j++) {
        columns[j * n + i] = rows[i * dim + j];
      }
    }
    int[] neighbours = new int[n * kk];
    float[] sims = new float[n * kk];
    Arrays.fill(neighbours, -1);
    Arrays.fill(sims, Float.NEGATIVE_INFINITY);
    long[] dups = new long[n];
    // each item's first k near-duplicates in index order (-1 past them): linking every shot of a
    // burst to its lowest-numbered shots joins the burst into one group
    int[] twin = new int[n * kk];
    Arrays.fill(twin, -1);
    float[] block = new float[Math.min(BLOCK, n) * n];
    for (int from = 0; from < n; from += BLOCK) {
      int count = Math.min(BLOCK, n - from);
      Arrays.fill(block, 0, count * n, 0f);
      Linalg.gemmNN(Arrays.copyOfRange(rows, from * dim, (from + count) * dim), count, dim, columns, n, block);
      int start = from;
      IntStream.range(0, count).parallel().forEach(r -> dups[start + r] =
          select(block, r * n, n, start + r, kk, duplicate, neighbours, sims, twin));
    }
    int[] parent = new int[n];
    Arrays.setAll(parent, i -> i);
    for (int i = 0; i < n; i++) {
      for (int r = 0; r < kk && twin[i * kk + r] >= 0; r++) {
        int a = root(parent, i);
        int b = root(parent, twin[i * kk + r]);
        parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
    for (int i = 0; i < n; i++) {
      parent[i] = root(parent, i);
    }
    return new NeighbourGraph(n, kk, neighbours, sims, Arrays.stream(dups).sum(), parent);
  }

  private static int root(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }

  /** Keeps the best {@code k} of one row of similarities; returns how many duplicates were skipped. */
  private static long select(float[] s, int offset, int n, int self, int k, float duplicate, int[] ids, float[] sims,
      int[] twin) {
    int base = self * k;
    int filled = 0;
    long skipped = 0;
    for (int j = 0; j < n; j++) {
      if (j == self) {
        continue;
      }
      float v = s[offset + j];
      if (v >= duplicate) {
        if (skipped < k) {
          twin[base + (int) skipped] = j;
        }
        skipped++;
        continue;
      }
      if (filled == k && v <= sims[base + k - 1]) {
        continue;
      }
      // insertion into the sorted list; equal similarities keep the earlier (lower) index first
      int p = filled == k ? k - 1 : filled++;
      while (p > 0 && sims[base + p - 1] < v) {
        sims[base + p] = sims[base + p - 1];
        ids[base + p] = ids[base + p - 1];
        p--;
      }
      sims[base + p] = v;
      ids[base + p] = j;
    }
    return skipped;
  }

  /** Items. */
  int size() {
    return n;
  }

  /** Neighbours kept per item (the k asked for, at most {@code size() - 1}). */
  int k() {
    return k;
  }

  /** The {@code r}-th nearest neighbour of item {@code i}, or -1 past those found. */
  int neighbour(int i, int r) {
    return neighbours[i * k + r];
  }

  /** The similarity of item {@code i} to its {@code r}-th nearest neighbour. */
  float similarity(int i, int r) {
    return similarities[i * k + r];
  }

  /**
   * The near-duplicate group of item {@code i}: its lowest-numbered member. Near-duplicates are
   * joined, and so are chains of them (each item is joined to its first {@code k} near-duplicates
   * in index order, which joins every shot of a burst).
   */
  int group(int i) {
    return group[i];
  }

  /** Ordered pairs passed over as near-duplicates. */
  long duplicatesSkipped() {
    return duplicates;
  }

  /**
   * The symmetric adjacency of the graph in compressed rows: an edge joins {@code i} and {@code j}
   * when either is among the other's neighbours.
   */
  Adjacency adjacency() {
    int[] degree = new int[n];
    for (int i = 0; i < n; i++) {
      for (int r = 0; r < k; r++) {
        int j = neighbours[i * k + r];
        if (j >= 0) {
          degree[i]++;
          degree[j]++;
        }
      }
    }
    int[] start = new int[n + 1];
    for (int i = 0; i < n; i++) {
      start[i + 1] = start[i] + degree[i];
    }
    int[] fill = Arrays.copyOf(start, n);
    int[] cols = new int[start[n]];
    for (int i = 0; i < n; i++) {
      for (int r = 0; r < k; r++) {
        int j = neighbours[i * k + r];
        if (j >= 0) {
          cols[fill[i]++] = j;
          cols[fill[j]++] = i;
        }
      }
    }
    // an edge found from both ends is one edge
    int[] outStart = new int[n + 1];
    int w = 0;
    for (int i = 0; i < n; i++) {
      Arrays.sort(cols, start[i], start[i + 1]);
      outStart[i] = w;
      for (int p = start[i]; p < start[i + 1]; p++) {
        if (p == start[i] || cols[p] != cols[p - 1]) {
          cols[w++] = cols[p];
        }
      }
    }
    outStart[n] = w;
    return new Adjacency(n, outStart, Arrays.copyOf(cols, w));
  }

  /** A symmetric unweighted graph in compressed rows: row {@code i}'s neighbours are {@code cols[start[i]..start[i+1])}. */
  record Adjacency(int n, int[] start, int[] cols) {
    int degree(int i) {
      return start[i + 1] - start[i];
    }
  }
}
