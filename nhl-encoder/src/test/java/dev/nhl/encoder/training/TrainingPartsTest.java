package dev.nhl.encoder.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.CodeSpec;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The weighting rule, Adam and the hash centres on worked examples. */
class TrainingPartsTest {

  @Test
  void weightingLeavesAgreeingGradientsAlone() {
    int[] lengths = {1, 2};
    // agreeing, and conflicting by less than the tolerance τ = ||g_0||^2 / (n-1) = 1
    assertArrayEquals(new double[] {1, 1},
        DominanceWeighting.weights(new float[][] {{1}, {2, 0}}, lengths, 1, 1), 1e-12);
    assertArrayEquals(new double[] {1, 1},
        DominanceWeighting.weights(new float[][] {{1}, {-0.5f, 9}}, lengths, 1, 1), 1e-12);
  }

  @Test
  void weightingScalesDownADominatingLongerLength() {
    // d = -3, τ = 1: a = 1/3; weights (1, 1/3) renormalised to sum 2
    assertArrayEquals(new double[] {1.5, 0.5},
        DominanceWeighting.weights(new float[][] {{1}, {-3, 5}}, new int[] {1, 2}, 1, 1), 1e-12);
    // β scales the tolerance: β = 2 gives τ = 2, a = 2/3
    assertArrayEquals(new double[] {1.2, 0.8},
        DominanceWeighting.weights(new float[][] {{1}, {-3, 5}}, new int[] {1, 2}, 1, 2), 1e-12);
  }

  @Test
  void weightingOverThreeLengths() {
    // n = 3. τ_0 = 1/2: a(0,1) = 0.5/2 = 0.25; a(0,2) = 0.5/1 = 0.5, capped by a(0,1) to 0.25.
    // τ_1 = ||(-2, 1)||^2 / 2 = 2.5; d(1,2) = (-2)(-1) + (1)(-6) = -4: a(1,2) = 2.5/4 = 0.625.
    // w = (1, 0.25, 0.25 * 0.625) = (1, 0.25, 0.15625), sum 1.40625, times 3 / 1.40625
    float[][] g = {{1}, {-2, 1}, {-1, -6, 7}};
    double f = 3 / 1.40625;
    assertArrayEquals(new double[] {f, 0.25 * f, 0.15625 * f},
        DominanceWeighting.weights(g, new int[] {1, 2, 3}, 1, 1), 1e-12);
  }

  @Test
  void weightingComparesOnlyTheSharedRows() {
    // width 2: length 1 covers the first 2 entries; the longer gradient's other row does not count
    float[][] g = {{1, 0}, {-3, 0, 100, 100}};
    assertArrayEquals(new double[] {1.5, 0.5},
        DominanceWeighting.weights(g, new int[] {1, 2}, 2, 1), 1e-12);
  }

  @Test
  void adamMatchesTheWorkedSteps() {
    // lr 0.1, weight decay 0.01, gradients 0.5, -1, 0.25 (computed independently with the
    // textbook update: g += wd p; m, v moving averages; bias-corrected step)
    Adam adam = new Adam(1);
    float[] p = {1};
    double[] expected = {0.9000000019607843, 0.9355236415321513, 0.9477812225953081};
    float[] gs = {0.5f, -1f, 0.25f};
    for (int t = 0; t < 3; t++) {
      adam.step(p, new float[] {gs[t]}, 0.1, 0.01);
      assertEquals(expected[t], p[0], 1e-6, "step " + (t + 1));
    }
  }

  @Test
  void adamMinimisesAQuadratic() {
    Adam adam = new Adam(3);
    float[] p = {5, -3, 0.5f};
    float[] target = {1, 2, -1};
    for (int t = 0; t < 3000; t++) {
      float[] g = new float[3];
      for (int i = 0; i < 3; i++) {
        g[i] = 2 * (p[i] - target[i]);
      }
      adam.step(p, g, 0.01, 0);
    }
    assertArrayEquals(target, p, 1e-3f);
  }

  @Test
  void hadamardCentresAreOrthogonalAndNegated() {
    int bits = 16;
    float[] c = Csq.centres(32, bits, new Random(1));
    for (int a = 0; a < 32; a++) {
      for (int b = a + 1; b < 32; b++) {
        int dot = 0;
        for (int i = 0; i < bits; i++) {
          dot += (int) (c[a * bits + i] * c[b * bits + i]);
        }
        // H rows are orthogonal; row k and its negation (k + 16) are opposite
        assertEquals(b == a + bits ? -bits : 0, dot, "centres " + a + ", " + b);
      }
    }
  }

  @Test
  void nestedCentresArePrefixesOfOrthogonalLongCentres() {
    Labels labels = Labels.single(new int[] {0, 1, 2}, 40);
    Csq[] nested = Csq.forLengths(new int[] {8, 16, 64}, labels, TrainerConfig.Centres.NESTED, new int[] {8, 16, 64}, 5);
    float[] longest = nested[2].centres;
    for (int a = 0; a < 40; a++) {
      for (int b = a + 1; b < 40; b++) {
        int dot = 0;
        for (int i = 0; i < 64; i++) {
          dot += (int) (longest[a * 64 + i] * longest[b * 64 + i]);
        }
        assertEquals(b == a + 64 ? -64 : 0, dot, "column-permuted Hadamard rows stay orthogonal: " + a + ", " + b);
      }
      for (Csq shorter : new Csq[] {nested[0], nested[1]}) {
        int k = shorter.bits();
        for (int i = 0; i < k; i++) {
          assertEquals(longest[a * 64 + i], shorter.centres[a * k + i], "class " + a + " bit " + i + " at " + k + " bits");
        }
      }
    }
    // the permutation spreads the prefixes: 8-bit prefixes of 40 classes are not 8 repeated patterns
    java.util.Set<String> prefixes = new java.util.HashSet<>();
    for (int a = 0; a < 40; a++) {
      prefixes.add(java.util.Arrays.toString(java.util.Arrays.copyOfRange(nested[0].centres, a * 8, a * 8 + 8)));
    }
    assertTrue(prefixes.size() > 16, prefixes.size() + " distinct 8-bit centres");
  }

  /**
   * A run of a subset of the centre spec's lengths gets, for each of its lengths, the centres the
   * run of the whole spec gives that length: the fair single-length baseline of each way.
   */
  @Test
  void singleLengthRunsTakeTheCentresOfTheNestedRun() {
    int[] spec = {8, 16, 32, 64};
    for (Labels labels : new Labels[] {Labels.single(new int[] {0, 1}, 10), Labels.single(new int[] {0, 1}, 101)}) {
      for (TrainerConfig.Centres how : TrainerConfig.Centres.values()) {
        Csq[] all = Csq.forLengths(spec, labels, how, spec, 77);
        for (int i = 0; i < spec.length; i++) {
          Csq one = Csq.forLengths(new int[] {spec[i]}, labels, how, spec, 77)[0];
          assertArrayEquals(all[i].centres, one.centres, how + ", " + labels.classes() + " classes, " + spec[i] + " bits");
        }
        Csq[] otherSeed = Csq.forLengths(spec, labels, how, spec, 78);
        if (labels.classes() > 2 * 8) {
          assertTrue(!java.util.Arrays.equals(all[0].centres, otherSeed[0].centres), how + ": another seed, other centres");
        }
      }
    }
  }

  /**
   * Block centres: each increment (8 | 8 | 16 | 32) is a code of its own, Hadamard when the
   * classes fit, and a length's centre is its blocks in order.
   */
  @Test
  void blockCentresAreIncrementsOfTheirOwn() {
    int[] spec = {8, 16, 32, 64};
    Labels labels = Labels.single(new int[] {0, 1}, 10);
    Csq[] block = Csq.forLengths(spec, labels, TrainerConfig.Centres.BLOCK, spec, 3);
    float[] longest = block[3].centres;
    for (int i = 0; i < 3; i++) {
      int k = spec[i];
      for (int a = 0; a < 10; a++) {
        for (int bit = 0; bit < k; bit++) {
          assertEquals(longest[a * 64 + bit], block[i].centres[a * k + bit], "class " + a + " bit " + bit + " at " + k);
        }
      }
    }
    int from = 0;
    for (int to : spec) {
      for (int a = 0; a < 10; a++) {
        for (int b = a + 1; b < 10; b++) {
          int dot = 0;
          for (int bit = from; bit < to; bit++) {
            dot += (int) (longest[a * 64 + bit] * longest[b * 64 + bit]);
          }
          assertEquals(b == a + (to - from) ? -(to - from) : 0, dot, "block [" + from + ", " + to + "), classes " + a + ", " + b);
        }
      }
      from = to;
    }
    // the 8-bit block is exactly what a single-length 8-bit run draws
    assertArrayEquals(Csq.forLengths(new int[] {8}, labels, TrainerConfig.Centres.INDEPENDENT, new int[] {8}, 3)[0].centres,
        block[0].centres);
  }

  @Test
  void centreSpecMustHoldTheRunsLengths() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainerConfig.builder(CodeSpec.of(8, 24)).centreSpec(CodeSpec.of(8, 16, 32)).build());
    assertEquals("centre spec 8,16,32 must contain every length of spec 8,24, lacks 24", e.getMessage());
    TrainerConfig single = TrainerConfig.builder(CodeSpec.of(64)).build()
        .withCentres(TrainerConfig.Centres.NESTED, CodeSpec.of(8, 16, 32, 64, 128));
    assertEquals(CodeSpec.of(8, 16, 32, 64, 128), single.centreSpec());
    assertEquals(CodeSpec.of(16), single.withSpec(CodeSpec.of(16)).centreSpec());
  }

  @Test
  void autoCentresAreNestedWhenTheShortestLengthCannotSeparateTheClasses() {
    assertTrue(TrainerConfig.Centres.AUTO.nested(101, 8));
    assertTrue(!TrainerConfig.Centres.AUTO.nested(10, 8));
    assertTrue(!TrainerConfig.Centres.AUTO.nested(16, 8));
    assertTrue(TrainerConfig.Centres.AUTO.nested(17, 8));
    assertTrue(TrainerConfig.Centres.NESTED.nested(2, 64));
    assertTrue(!TrainerConfig.Centres.INDEPENDENT.nested(1000, 8));
  }

  @Test
  void randomCentresAreBalanced() {
    // more classes than 2 x bits: balanced random centres
    float[] c = Csq.centres(40, 8, new Random(3));
    for (int k = 0; k < 40; k++) {
      int sum = 0;
      for (int i = 0; i < 8; i++) {
        assertEquals(1f, Math.abs(c[k * 8 + i]));
        sum += (int) c[k * 8 + i];
      }
      assertEquals(0, sum, "centre " + k);
    }
  }

  @Test
  void configRejectsBadValuesNamingThem() {
    var b = TrainerConfig.builder(CodeSpec.of(8, 16));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.batchSize(1).build());
    assertTrue(e.getMessage().contains("batch size") && e.getMessage().contains("1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TrainerConfig.builder(CodeSpec.of(8)).learningRate(-1).build());
    assertTrue(e.getMessage().contains("-1.0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TrainerConfig.builder(CodeSpec.of(8)).validationFraction(1).build());
    assertTrue(e.getMessage().contains("validation fraction"), e.getMessage());
  }

  @Test
  void labelsRejectOutOfRangeLabels() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Labels.single(new int[] {0, 7}, 5));
    assertTrue(e.getMessage().contains("item 1") && e.getMessage().contains("7"), e.getMessage());
    Labels m = Labels.multi(new int[][] {{0, 3}, {2}, {3}, {}}, 4);
    assertTrue(m.relevant(0, m, 2));
    assertTrue(!m.relevant(0, m, 1));
    assertTrue(!m.relevant(3, m, 3), "an item without labels is relevant to nothing");
  }
}
