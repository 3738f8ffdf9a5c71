package dev.nhl.cli;

import static dev.nhl.cli.CliTestSupport.nhl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * What {@code nhl index} and {@code nhl dups} cost on a large folder, for bench/RESULTS.md: every
 * Caltech-101 photo (classes made of another's crops left out) with copies altered as {@link
 * NearDuplicateSet} alters them, up to {@code nhl.test.dups.scale} photos; a label-free model
 * trained on 2,000 of them, the whole folder indexed, and its near-duplicates grouped and scored
 * (pair precision, Caltech-101's own copies counted as copies or not, and the share of copies
 * grouped with their original). Runs only when {@code -Dnhl.test.dups.scale=N
 * -Dnhl.test.work=DIR} are given; the photos, model and index are made once in {@code DIR} and
 * kept. {@code nhl.test.dups.every}, {@code .first} and {@code .seed} make a set of other classes
 * and copies, to choose settings on. Extra arguments for {@code nhl dups} go in {@code
 * nhl.test.dups.args}, separated by spaces.
 */
class DuplicatesAtScaleTest {

  /**
   * The Caltech-101 classes the photos are made from: every one, or every {@code
   * nhl.test.dups.every}-th from {@code nhl.test.dups.first} (a validation set of other classes).
   */
  private static List<String> classes() throws java.io.IOException {
    int every = Integer.getInteger("nhl.test.dups.every", 1);
    int first = Integer.getInteger("nhl.test.dups.first", 0);
    List<String> all;
    try (var s = Files.list(CliTestSupport.CALTECH)) {
      all = s.map(p -> p.getFileName().toString())
          .filter(c -> !c.startsWith("BACKGROUND") && !NearDuplicateSet.derivedClass(c)).sorted().toList();
    }
    return java.util.stream.IntStream.range(0, all.size()).filter(i -> i % every == first % every)
        .mapToObj(all::get).toList();
  }

  @Test
  void indexAndGroupALargeFolder() throws Exception {
    Integer scale = Integer.getInteger("nhl.test.dups.scale");
    String work = System.getProperty("nhl.test.work");
    assumeTrue(scale != null && work != null, "-Dnhl.test.dups.scale=N -Dnhl.test.work=DIR run this measurement");
    CliTestSupport.assumeData();
    Path dir = Path.of(work);
    Path photos = dir.resolve("photos");
    Path sample = dir.resolve("sample");
    if (!Files.isDirectory(photos)) {
      long t0 = System.nanoTime();
      int n = NearDuplicateSet.generateAtScale(photos, CliTestSupport.CALTECH, classes(), scale,
          Long.getLong("nhl.test.dups.seed", 5));
      System.out.printf(Locale.ROOT, "made %,d photos in %.0f s%n", n, (System.nanoTime() - t0) / 1e9);
      Files.createDirectories(sample);
      try (var s = Files.list(photos)) {
        for (Path p : s.sorted().limit(2000).toList()) {
          Files.createSymbolicLink(sample.resolve(p.getFileName()), p);
        }
      }
    }
    Path model = dir.resolve("model.onnx");
    if (!Files.exists(model)) {
      CliTestSupport.Run train = nhl("train", "--images", sample.toString(), "--backbone",
          CliTestSupport.MOBILENET.toString(), "--out", model.toString());
      assertEquals(0, train.code(), train.err());
    }
    Path index = dir.resolve("index");
    long t0 = System.nanoTime();
    CliTestSupport.Run indexed = nhl("index", photos.toString(), "-m", model.toString(), "-i", index.toString());
    double indexSeconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(0, indexed.code(), indexed.err());
    long bytes;
    try (var s = Files.list(index)) {
      bytes = s.mapToLong(p -> p.toFile().length()).sum();
    }
    t0 = System.nanoTime();
    List<String> args = new java.util.ArrayList<>(List.of("dups", "-i", index.toString()));
    String extra = System.getProperty("nhl.test.dups.args", "").strip();
    if (!extra.isEmpty()) {
      args.addAll(List.of(extra.split("\\s+")));
    }
    CliTestSupport.Run dups = nhl(args.toArray(new String[0]));
    double dupsSeconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(0, dups.code(), dups.err());
    List<List<String>> groups = UnsortedFolderTest.groups(dups.out());
    NearDuplicateSet.Truth truth = NearDuplicateSet.truthAtScale(photos, CliTestSupport.CALTECH, classes());
    double[] pr = truth.precisionRecall(groups);
    System.out.printf(Locale.ROOT, "dups: %,d groups of %,d sources; pair precision %.4f (%.4f counting Caltech's "
        + "own copies as wrong), pair recall %.4f; copies grouped with their original %.4f%n", groups.size(),
        truth.groups().size(), pr[0], pr[2], pr[1], truth.originalRecall(groups));
    t0 = System.nanoTime();
    CliTestSupport.Run hashOnly = nhl("dups", "-i", index.toString(), "--hash-only");
    double hashSeconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(0, hashOnly.code(), hashOnly.err());
    System.out.printf(Locale.ROOT, "index: %s%nindex: %.0f s, %,d bytes on disk%ndups: %s (%.0f s with the JVM)%n"
        + "dups --hash-only: %s (%.0f s)%n", indexed.out().lines().filter(l -> l.startsWith("indexed")).findFirst().orElse(""),
        indexSeconds, bytes, dups.out().lines().findFirst().orElse(""), dupsSeconds,
        hashOnly.out().lines().findFirst().orElse(""), hashSeconds);
  }
}
