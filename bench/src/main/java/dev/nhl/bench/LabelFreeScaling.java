package dev.nhl.bench;

import dev.nhl.encoder.training.LabelFreeTrainer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Wall time and heap of label-free training as the collection grows: {@code n} feature vectors
 * made from real ones (Caltech-101's, both splits), each new one a mix of two real vectors plus
 * noise, so that the collection keeps their structure without repeating them; then one {@link
 * LabelFreeTrainer} run with the defaults. Run each size in a JVM of its own with the heap to
 * check ({@code -Xmx4g}); the heap peak is the JVM's own count over its heap pools.
 *
 * <p>Usage: {@code LabelFreeScaling FEATURES N}; FEATURES is written by {@link CaltechFeatures}.
 */
public final class LabelFreeScaling {

  private LabelFreeScaling() {}

  /** Runs one size and prints one line. */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: LabelFreeScaling FEATURES N");
      System.exit(2);
    }
    NhlExperiment.Split split = CaltechFeatures.read(Path.of(args[0]));
    int n = Integer.parseInt(args[1]);
    int dim = split.dim();
    float[] real = new float[split.train().length + split.test().length];
    System.arraycopy(split.train(), 0, real, 0, split.train().length);
    System.arraycopy(split.test(), 0, real, split.train().length, split.test().length);
    int have = real.length / dim;
    Random r = new Random(5);
    float[] x = new float[n * dim];
    for (int i = 0; i < n; i++) {
      if (i < have) {
        System.arraycopy(real, i * dim, x, i * dim, dim);
        continue;
      }
      int a = r.nextInt(have);
      int b = r.nextInt(have);
      for (int j = 0; j < dim; j++) {
        x[i * dim + j] = 0.7f * real[a * dim + j] + 0.3f * real[b * dim + j] + (float) (0.1 * r.nextGaussian());
      }
    }
    real = null;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      p.resetPeakUsage();
    }
    long t0 = System.nanoTime();
    new LabelFreeTrainer(LabelFreeTrainer.Options.DEFAULTS).train(x, dim, NhlExperiment.SPEC,
        line -> System.err.println("  " + line));
    double seconds = (System.nanoTime() - t0) / 1e9;
    long peak = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        peak += p.getPeakUsage().getUsed();
      }
    }
    System.out.printf(Locale.ROOT, "| %,d | %d | %.1f s | %.0f s | %,d MB | %,d MB |%n", n, dim, seconds,
        LabelFreeTrainer.estimatedSeconds(n, dim, NhlExperiment.SPEC, LabelFreeTrainer.Options.DEFAULTS),
        peak >> 20, Runtime.getRuntime().maxMemory() >> 20);
  }
}
