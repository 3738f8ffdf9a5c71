package dev.nhl.index;

/** Where a search puts the candidates it ranks: those below {@link #bound} are offered. */
interface Collector {

  /** Candidates at this distance or farther are not offered. */
  int bound();

  /** A candidate below the bound. */
  void offer(int id, int distance);
}
