package dev.nhl.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(Seeded.class)
class TopCollectorTest {

  @RepeatedTest(20)
  void keepsTheBestByDistanceThenId(Random r) {
    int maxD = 1 + r.nextInt(64);
    int n = r.nextInt(5000);
    int keep = 1 + r.nextInt(r.nextBoolean() ? 10 : 700);
    TopCollector c = new TopCollector(keep, maxD, r.nextInt(n + 1));
    List<TestCodes.Pair> all = new ArrayList<>();
    int id = 0;
    for (int i = 0; i < n; i++) {
      id += 1 + r.nextInt(3);
      // skewed distances: many ties
      int d = Math.min(maxD, (int) Math.abs(r.nextGaussian() * maxD / 4));
      all.add(new TestCodes.Pair(id, d));
      if (d < c.bound()) {
        c.offer(id, d);
      }
    }
    all.sort(Comparator.comparingInt(TestCodes.Pair::distance).thenComparingInt(TestCodes.Pair::id));
    List<TestCodes.Pair> expected = all.subList(0, Math.min(keep, all.size()));
    assertEquals(expected, TestCodes.pairs(c.finishRanked(List.of())));
  }

  /** Offers in shuffled id order, as the multi-index tables make them; worst() is the k-th distance. */
  @RepeatedTest(20)
  void unorderedOffersKeepTheSmallestIdsAmongTies(Random r) {
    int maxD = 1 + r.nextInt(64);
    int n = r.nextInt(5000);
    int keep = 1 + r.nextInt(r.nextBoolean() ? 10 : 700);
    TopCollector c = TopCollector.unordered(keep, maxD);
    List<TestCodes.Pair> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(new TestCodes.Pair(i, Math.min(maxD, (int) Math.abs(r.nextGaussian() * maxD / 4))));
    }
    java.util.Collections.shuffle(all, r);
    for (TestCodes.Pair p : all) {
      if (p.distance() < c.bound()) {
        c.offer(p.id(), p.distance());
      }
    }
    all.sort(Comparator.comparingInt(TestCodes.Pair::distance).thenComparingInt(TestCodes.Pair::id));
    List<TestCodes.Pair> expected = all.subList(0, Math.min(keep, all.size()));
    assertEquals(n >= keep ? expected.getLast().distance() : Integer.MAX_VALUE, c.worst());
    assertEquals(expected, TestCodes.pairs(c.finishRanked(List.of())));
  }
}
