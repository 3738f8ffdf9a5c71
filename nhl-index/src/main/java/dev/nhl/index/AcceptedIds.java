package dev.nhl.index;

import java.util.BitSet;

/**
 * Which ids of a {@link CodeSegment} a search may return: filters and deletions alike. Never
 * null: {@link #all} accepts every id. Implementations are views, read during a search and not
 * copied (a Lucene adapter maps ordinals to documents and asks the live documents and the
 * filter's bits lazily), so they must not change while a search runs.
 */
public interface AcceptedIds {

  /** Whether {@code id} may be returned; {@code id} is in {@code [0, n)} of the segment searched. */
  boolean accept(int id);

  /**
   * How many ids are accepted, or an upper bound of it: the search uses it to choose between
   * reading every code and visiting the accepted ids one by one.
   */
  long estimatedCount();

  /** Whether every id is accepted, so that a search may skip {@link #accept}. */
  default boolean acceptsAll() {
    return false;
  }

  /**
   * The first accepted id in {@code [from, end)}, or {@code end} if there is none. The default
   * asks {@link #accept} for each id in turn; views over bit sets jump.
   */
  default int nextAccepted(int from, int end) {
    for (int id = from; id < end; id++) {
      if (accept(id)) {
        return id;
      }
    }
    return end;
  }

  /** The ids accepted by this and by {@code other}. */
  default AcceptedIds and(AcceptedIds other) {
    if (other.acceptsAll()) {
      return this;
    }
    if (acceptsAll()) {
      return other;
    }
    AcceptedIds self = this;
    return new AcceptedIds() {
      @Override
      public boolean accept(int id) {
        return self.accept(id) && other.accept(id);
      }

      @Override
      public long estimatedCount() {
        return Math.min(self.estimatedCount(), other.estimatedCount());
      }

      @Override
      public int nextAccepted(int from, int end) {
        // walk the sparser of the two, check the other
        AcceptedIds lead = self.estimatedCount() <= other.estimatedCount() ? self : other;
        AcceptedIds follow = lead == self ? other : self;
        for (int id = lead.nextAccepted(from, end); id < end; id = lead.nextAccepted(id + 1, end)) {
          if (follow.accept(id)) {
            return id;
          }
        }
        return end;
      }
    };
  }

  /**
   * Every id of a segment of {@code n} codes.
   *
   * @throws IllegalArgumentException if {@code n} is negative
   */
  static AcceptedIds all(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("a segment holds a non-negative number of codes, got " + n);
    }
    return new AcceptedIds() {
      @Override
      public boolean accept(int id) {
        return true;
      }

      @Override
      public long estimatedCount() {
        return n;
      }

      @Override
      public boolean acceptsAll() {
        return true;
      }

      @Override
      public int nextAccepted(int from, int end) {
        return from;
      }
    };
  }

  /**
   * The ids set in {@code bits}, read and not copied: do not change it during a search.
   *
   * @throws IllegalArgumentException if {@code bits} is null
   */
  static AcceptedIds of(BitSet bits) {
    if (bits == null) {
      throw new IllegalArgumentException("the bit set of accepted ids is null; use AcceptedIds.all(n)");
    }
    long count = bits.cardinality();
    return new AcceptedIds() {
      @Override
      public boolean accept(int id) {
        return bits.get(id);
      }

      @Override
      public long estimatedCount() {
        return count;
      }

      @Override
      public int nextAccepted(int from, int end) {
        int id = bits.nextSetBit(from);
        return id < 0 || id > end ? end : id;
      }
    };
  }
}
