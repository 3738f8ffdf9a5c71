package dev.nhl.encoder.training;

import dev.nhl.index.Codes;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Retrieval quality of hash codes, computed as the deep hashing literature does. Every query ranks
 * the whole database by Hamming distance at a given code length, ties broken by database index
 * (or, after {@link #withTiesShuffled}, by a seeded random order of the database, so that a
 * database sorted by class does not favour codes that tie); an item is relevant to a query when
 * they share a label.
 *
 * <ul>
 *   <li>{@link #meanAveragePrecision mAP@K}: for each query, AP@K is the mean, over the relevant
 *       items within the top K, of (relevant items up to that rank) / rank; a query with no
 *       relevant item in its top K counts 0; mAP is the mean over all queries. With K at least
 *       the database size this is mAP@All.
 *   <li>{@link #precisionWithinRadius}: the share of relevant items among those within Hamming
 *       radius r of the query, 0 for a query that retrieves nothing; mean over queries.
 *   <li>{@link #precisionRecall}: for every radius 0..bits, mean precision (as above) and mean
 *       recall (relevant items retrieved / relevant items in the database, over queries that have
 *       any).
 * </ul>
 *
 * <p>Codes are in nhl-index's layout ({@link Codes}): the first bit of the code is the most
 * significant bit of its first byte.
 */
public final class RetrievalMetrics {

  private final long[] queries;
  private final long[] database;
  private final int words;
  private final int maxBits;
  private final Labels queryLabels;
  private final Labels databaseLabels;
  // the original index of each database item as stored; stored order breaks ties, first come first
  private final int[] tieOrder;

  private RetrievalMetrics(long[] queries, Labels queryLabels, long[] database, Labels databaseLabels, int words,
      int maxBits, int[] tieOrder) {
    this.queries = queries;
    this.queryLabels = queryLabels;
    this.database = database;
    this.databaseLabels = databaseLabels;
    this.words = words;
    this.maxBits = maxBits;
    this.tieOrder = tieOrder;
  }

  /**
   * The same codes and labels with ties in distance broken by a random order of the database drawn
   * from {@code seed} instead of by index.
   */
  public RetrievalMetrics withTiesShuffled(long seed) {
    // the database is stored in tie order, so that ranking reads it front to back
    int[] order = NhlTrainer.shuffled(databaseSize(), new java.util.Random(seed));
    int[] composed = new int[order.length];
    long[] codes = new long[database.length];
    for (int t = 0; t < order.length; t++) {
      composed[t] = tieOrder[order[t]];
      System.arraycopy(database, order[t] * words, codes, t * words, words);
    }
    return new RetrievalMetrics(queries, queryLabels, codes, databaseLabels.subset(order), words, maxBits, composed);
  }

  /** Each original database item's place in the order that breaks ties. */
  int[] tieRanks() {
    int[] rank = new int[tieOrder.length];
    for (int i = 0; i < tieOrder.length; i++) {
      rank[tieOrder[i]] = i;
    }
    return rank;
  }

  /**
   * Metrics of query codes against database codes.
   *
   * @throws IllegalArgumentException if the codes are not all of one length, or a label set does
   *     not have one entry per code
   */
  public static RetrievalMetrics of(byte[][] queries, Labels queryLabels, byte[][] database, Labels databaseLabels) {
    if (queries.length == 0 || database.length == 0) {
      throw new IllegalArgumentException(
          "need at least one query and one database code, got " + queries.length + " and " + database.length);
    }
    if (queryLabels.size() != queries.length || databaseLabels.size() != database.length) {
      throw new IllegalArgumentException("labels must match the codes one to one: "
          + queries.length + " queries with " + queryLabels.size() + " labels, "
          + database.length + " database codes with " + databaseLabels.size() + " labels");
    }
    int bytes = queries[0].length;
    int words = (bytes + 7) >>> 3;
    int[] byIndex = new int[database.length];
    Arrays.setAll(byIndex, i -> i);
    return new RetrievalMetrics(pack(queries, bytes, words), queryLabels, pack(database, bytes, words),
        databaseLabels, words, bytes * 8, byIndex);
  }

  private static long[] pack(byte[][] codes, int bytes, int words) {
    long[] out = new long[codes.length * words];
    for (int i = 0; i < codes.length; i++) {
      if (codes[i].length != bytes) {
        throw new IllegalArgumentException(
            "all codes must have " + bytes + " bytes, code " + i + " has " + codes[i].length);
      }
      System.arraycopy(Codes.toLongs(codes[i]), 0, out, i * words, words);
    }
    return out;
  }

  private void checkBits(int bits) {
    if (bits < 1 || bits > maxBits) {
      throw new IllegalArgumentException("code length must be in [1, " + maxBits + "], got " + bits);
    }
  }

  private int queryCount() {
    return queryLabels.size();
  }

  private int databaseSize() {
    return databaseLabels.size();
  }

  private void distances(int q, int bits, int[] out) {
    for (int j = 0; j < out.length; j++) {
      out[j] = distance(q, j, bits);
    }
  }

  /** Hamming distance of query {@code q} and database item {@code j} over the first {@code bits}. */
  private int distance(int q, int j, int bits) {
    return Codes.hamming(queries, q * words, database, j * words, bits);
  }

  /**
   * mAP@K at a code length.
   *
   * @param bits code length, a prefix of the codes
   * @param topK K; at least the database size gives mAP@All
   * @throws IllegalArgumentException if {@code bits} is not in {@code [1, code length]} or
   *     {@code topK < 1}
   */
  public double meanAveragePrecision(int bits, int topK) {
    return meanAveragePrecision(bits, new int[] {topK})[0];
  }

  /**
   * mAP@K at a code length for several K, from one ranking of the database per query.
   *
   * @param bits code length, a prefix of the codes
   * @param topKs the K values; one at least the database size gives mAP@All
   * @return mAP@K for each of {@code topKs}, in that order
   * @throws IllegalArgumentException if {@code bits} is not in {@code [1, code length]}, {@code
   *     topKs} is empty or a K is below 1
   */
  public double[] meanAveragePrecision(int bits, int[] topKs) {
    checkBits(bits);
    if (topKs.length == 0) {
      throw new IllegalArgumentException("need at least one K");
    }
    int[] ks = new int[topKs.length];
    int deepest = 0;
    for (int i = 0; i < ks.length; i++) {
      if (topKs[i] < 1) {
        throw new IllegalArgumentException("top K must be at least 1, got " + topKs[i]);
      }
      ks[i] = Math.min(topKs[i], databaseSize());
      deepest = Math.max(deepest, ks[i]);
    }
    int kMax = deepest;
    int chunks = Math.min(queryCount(), 4 * Runtime.getRuntime().availableProcessors());
    double[][] sums = new double[chunks][ks.length];
    IntStream.range(0, chunks).parallel().forEach(c -> {
      int[] d = new int[databaseSize()];
      int[] start = new int[bits + 2];
      boolean[] relevantAt = new boolean[kMax];
      for (int q = (int) ((long) queryCount() * c / chunks); q < (long) queryCount() * (c + 1) / chunks; q++) {
        averagePrecisions(q, d, ks, kMax, bits, start, relevantAt, sums[c]);
      }
    });
    double[] out = new double[ks.length];
    for (double[] s : sums) {
      for (int i = 0; i < out.length; i++) {
        out[i] += s[i];
      }
    }
    for (int i = 0; i < out.length; i++) {
      out[i] /= queryCount();
    }
    return out;
  }

  /** Adds query {@code q}'s AP@K for each of {@code ks} to {@code sums}; {@code tagged} is scratch. */
  private void averagePrecisions(int q, int[] tagged, int[] ks, int kMax, int bits, int[] start,
      boolean[] relevantAt, double[] sums) {
    // one pass: each item's distance and relevance (distance << 1 | relevant), and the count at
    // each distance; the database is stored in tie order, so every pass reads it front to back
    Arrays.fill(start, 0);
    for (int j = 0; j < tagged.length; j++) {
      int d = distance(q, j, bits);
      start[d + 1]++;
      tagged[j] = d << 1 | (queryLabels.relevant(q, databaseLabels, j) ? 1 : 0);
    }
    // ranks by counting sort: rank = items at smaller distances + items before it at its distance
    for (int i = 1; i <= bits + 1; i++) {
      start[i] += start[i - 1];
    }
    Arrays.fill(relevantAt, false);
    for (int t : tagged) {
      int rank = start[t >>> 1]++;
      if ((t & 1) != 0 && rank < kMax) {
        relevantAt[rank] = true;
      }
    }
    for (int i = 0; i < ks.length; i++) {
      double sum = 0;
      int seen = 0;
      for (int r = 0; r < ks[i]; r++) {
        if (relevantAt[r]) {
          seen++;
          sum += seen / (double) (r + 1);
        }
      }
      sums[i] += seen == 0 ? 0 : sum / seen;
    }
  }

  /**
   * Mean precision of the items within Hamming distance {@code radius} at a code length (0 for a
   * query that retrieves nothing).
   */
  public double precisionWithinRadius(int bits, int radius) {
    checkBits(bits);
    if (radius < 0) {
      throw new IllegalArgumentException("radius must be at least 0, got " + radius);
    }
    return perQuery(bits, (q, d, scratch) -> {
      int retrieved = 0;
      int relevant = 0;
      for (int j = 0; j < d.length; j++) {
        if (d[j] <= radius) {
          retrieved++;
          if (queryLabels.relevant(q, databaseLabels, j)) {
            relevant++;
          }
        }
      }
      return retrieved == 0 ? 0 : relevant / (double) retrieved;
    });
  }

  /** Precision and recall against the Hamming radius, one point per radius 0..bits. */
  public record PrecisionRecall(double[] precision, double[] recall) {}

  /** The precision/recall curve over Hamming radii 0..bits at a code length. */
  public PrecisionRecall precisionRecall(int bits) {
    checkBits(bits);
    double[] precision = new double[bits + 1];
    double[] recall = new double[bits + 1];
    int[] withRelevant = new int[1];
    for (int q = 0; q < queryCount(); q++) {
      int[] d = new int[databaseSize()];
      distances(q, bits, d);
      int[] retrieved = new int[bits + 2];
      int[] hit = new int[bits + 2];
      for (int j = 0; j < d.length; j++) {
        retrieved[d[j]]++;
        if (queryLabels.relevant(q, databaseLabels, j)) {
          hit[d[j]]++;
        }
      }
      int totalRelevant = 0;
      for (int r = 0; r <= bits; r++) {
        totalRelevant += hit[r];
      }
      int cumRetrieved = 0;
      int cumHit = 0;
      for (int r = 0; r <= bits; r++) {
        cumRetrieved += retrieved[r];
        cumHit += hit[r];
        precision[r] += cumRetrieved == 0 ? 0 : cumHit / (double) cumRetrieved;
        if (totalRelevant > 0) {
          recall[r] += cumHit / (double) totalRelevant;
        }
      }
      withRelevant[0] += totalRelevant > 0 ? 1 : 0;
    }
    for (int r = 0; r <= bits; r++) {
      precision[r] /= queryCount();
      recall[r] = withRelevant[0] == 0 ? 0 : recall[r] / withRelevant[0];
    }
    return new PrecisionRecall(precision, recall);
  }

  private interface QueryScore {
    double score(int query, int[] distances, int[] scratch);
  }

  private double perQuery(int bits, QueryScore score) {
    int chunks = Math.min(queryCount(), 4 * Runtime.getRuntime().availableProcessors());
    double[] sums = new double[chunks];
    IntStream.range(0, chunks).parallel().forEach(c -> {
      int[] d = new int[databaseSize()];
      int[] scratch = new int[bits + 2];
      double s = 0;
      for (int q = (int) ((long) queryCount() * c / chunks); q < (long) queryCount() * (c + 1) / chunks; q++) {
        distances(q, bits, d);
        s += score.score(q, d, scratch);
      }
      sums[c] = s;
    });
    double total = 0;
    for (double s : sums) {
      total += s;
    }
    return total / queryCount();
  }
}
