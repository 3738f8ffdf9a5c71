package dev.nhl.encoder.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Seeded;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(Seeded.class)
class NhlTrainerTest {

  /** Gaussian clusters, one per class, in {@code dim} dimensions. */
  record Data(float[] x, int dim, Labels labels) {}

  static Data clusters(Random r, int n, int dim, int classes, double noise) {
    float[][] centres = new float[classes][dim];
    for (float[] c : centres) {
      for (int j = 0; j < dim; j++) {
        c[j] = (float) r.nextGaussian();
      }
    }
    float[] x = new float[n * dim];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(classes);
      for (int j = 0; j < dim; j++) {
        x[i * dim + j] = (float) (centres[y[i]][j] + noise * r.nextGaussian()) * 3 + 10;
      }
    }
    return new Data(x, dim, Labels.single(y, classes));
  }

  @Test
  void fullNhlLearnsEveryLength(Random r) {
    Data train = clusters(r, 1200, 20, 6, 0.5);
    long seed = r.nextLong();
    TrainerConfig config = TrainerConfig.builder(CodeSpec.of(8, 16, 32)).hiddenUnits(32).epochs(8).batchSize(64)
        .learningRate(3e-3).seed(seed).build();
    List<NhlTrainer.EpochReport> reports = new ArrayList<>();
    NhlHead head = new NhlTrainer(config).train(train.x(), train.dim(), train.labels(), reports::add);
    assertTrue(!reports.isEmpty());
    assertEquals(3, reports.get(0).validationMap().length);
    // every length separates the classes: mAP of training codes against themselves
    byte[][] codes = head.encode(train.x());
    RetrievalMetrics m = RetrievalMetrics.of(codes, train.labels(), codes, train.labels());
    for (int bits : new int[] {8, 16, 32}) {
      double map = m.meanAveragePrecision(bits, 100);
      assertTrue(map > 0.9, "mAP@100 at " + bits + " bits: " + map + " (seed " + Long.toHexString(seed) + ")");
    }
  }

  @Test
  void sameSeedSameHead(Random r) {
    Data train = clusters(r, 300, 8, 3, 1);
    TrainerConfig config = TrainerConfig.builder(CodeSpec.of(8, 16)).epochs(2).batchSize(32).seed(r.nextLong()).build();
    NhlHead a = new NhlTrainer(config).train(train.x(), train.dim(), train.labels(), null);
    NhlHead b = new NhlTrainer(config).train(train.x(), train.dim(), train.labels(), null);
    assertArrayEquals(a.outputs(train.x()), b.outputs(train.x()));
  }

  @Test
  void rejectsMismatchedInput() {
    TrainerConfig config = TrainerConfig.builder(CodeSpec.of(8)).batchSize(4).build();
    Labels labels = Labels.single(new int[10], 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new NhlTrainer(config).train(new float[31], 3, labels, null));
    assertEquals("expected 10 x 3 features, got 31 values", e.getMessage());
    float[] x = new float[30];
    x[7] = Float.NaN;
    e = assertThrows(IllegalArgumentException.class, () -> new NhlTrainer(config).train(x, 3, labels, null));
    assertEquals("feature 1 of item 2 is NaN", e.getMessage());
  }
}
