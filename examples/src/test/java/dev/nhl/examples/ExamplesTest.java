package dev.nhl.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The examples run and print what they promise. */
class ExamplesTest {

  static String capture(ThrowingRunnable r) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setOut(old);
    }
    String s = buf.toString(StandardCharsets.UTF_8);
    System.out.print(s);
    return s;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void embeddingFindsTheNearDuplicateFirst(@TempDir Path dir) throws Exception {
    String out = capture(() -> LuceneEmbedding.main(new String[] {dir.toString()}));
    String first = out.lines().findFirst().orElse("");
    assertTrue(first.startsWith("photo-42 ") && first.contains("distance   1"), out);
    assertTrue(out.lines().allMatch(l -> l.contains("a day at the beach")), out);
  }

  /** The main job, shortened (one epoch, 200 queries): every step runs and the figures are sane. */
  @Test
  void mainJobRunsEndToEnd(@TempDir Path dir) throws Exception {
    Path data = Path.of("/usr/share/datasets/fashion-mnist");
    assumeTrue(Files.isRegularFile(data.resolve("train-images-idx3-ubyte.gz")),
        "Fashion-MNIST is expected in " + data + " (.ci/run installs dataset-fashion-mnist)");
    String out = capture(() -> FashionJob.run(data, dir, 1, 200));
    assertTrue(out.contains("5/5"), out);
    Matcher m = Pattern.compile("mAP@100: exact ([0-9.]+), progressive ([0-9.]+); recall@100 of progressive against exact ([0-9.]+)")
        .matcher(out);
    assertTrue(m.find(), out);
    double exact = Double.parseDouble(m.group(1));
    double prog = Double.parseDouble(m.group(2));
    double recall = Double.parseDouble(m.group(3));
    assertTrue(exact > 0.6, "exact mAP@100 " + exact);
    assertTrue(Math.abs(exact - prog) < 0.05, "progressive mAP " + prog + " against exact " + exact);
    assertTrue(recall > 0.8, "recall " + recall);
    assertTrue(Pattern.compile("(?m)^\\s+128\\s+[0-9,]+\\s+100\\s").matcher(out).find(), "the last stage keeps 100: " + out);
    // the default search is exact at this size
    Matcher d = Pattern.compile("the default search \\(NestedHammingQuery.defaults\\(field, code, k\\)\\): [0-9.]+ ms a "
        + "query, recall@100 ([0-9.]+) against exact").matcher(out);
    assertTrue(d.find(), out);
    assertEquals(1.0, Double.parseDouble(d.group(1)), 1e-9, out);
  }
}
