package dev.nhl.index;

import java.util.concurrent.atomic.AtomicLongArray;

/** A thread-safe set of deleted ids: searches that start after a delete returns do not see it. */
final class DeletedIds {

  private final AtomicLongArray words;
  private final long n;
  private volatile long count;

  DeletedIds(long n) {
    this.n = n;
    this.words = new AtomicLongArray((int) ((n + 63) >>> 6));
  }

  boolean contains(int id) {
    return (words.get(id >>> 6) & (1L << id)) != 0;
  }

  /** Marks an id deleted; returns false if it already was. */
  boolean add(int id) {
    long bit = 1L << id;
    int w = id >>> 6;
    long prev = words.getAndUpdate(w, v -> v | bit);
    if ((prev & bit) != 0) {
      return false;
    }
    synchronized (this) {
      count++;
    }
    return true;
  }

  long count() {
    return count;
  }

  int wordCount() {
    return words.length();
  }

  long word(int i) {
    return words.get(i);
  }

  /** Loads words read from a file; returns the number of bits set. */
  long load(long[] src) {
    long c = 0;
    for (int i = 0; i < src.length; i++) {
      words.set(i, src[i]);
      c += Long.bitCount(src[i]);
    }
    synchronized (this) {
      count = c;
    }
    return c;
  }

  long size() {
    return n;
  }
}
