package dev.nhl.index;

import java.util.List;

/**
 * The result of a search: ids with their Hamming distances, closest first, equal distances by
 * increasing id; and what each stage of the search did.
 */
public final class Hits {

  /**
   * What one stage of a search did.
   *
   * @param length code length in bits the stage ranked at
   * @param candidates codes the stage looked at
   * @param kept candidates it passed on
   * @param nanos wall time of the stage
   * @param bytesRead code bytes the stage read
   */
  public record StageStats(int length, long candidates, int kept, long nanos, long bytesRead) {}

  private final int[] ids;
  private final int[] distances;
  private final List<StageStats> stages;

  Hits(int[] ids, int[] distances, List<StageStats> stages) {
    assert ids.length == distances.length;
    this.ids = ids;
    this.distances = distances;
    this.stages = List.copyOf(stages);
  }

  /** Number of hits. */
  public int size() {
    return ids.length;
  }

  /** The id of hit {@code i} (0 is the closest). */
  public int id(int i) {
    return ids[i];
  }

  /** The Hamming distance of hit {@code i} at the search's final length. */
  public int distance(int i) {
    return distances[i];
  }

  /** A copy of the ids, closest first. */
  public int[] ids() {
    return ids.clone();
  }

  /** A copy of the distances, in hit order. */
  public int[] distances() {
    return distances.clone();
  }

  /** One entry per stage, in order. */
  public List<StageStats> stages() {
    return stages;
  }

  /** Code bytes read by all stages. */
  public long bytesRead() {
    long b = 0;
    for (StageStats s : stages) {
      b += s.bytesRead();
    }
    return b;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Hits[");
    for (int i = 0; i < ids.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(ids[i]).append(':').append(distances[i]);
    }
    return sb.append(']').toString();
  }
}
