package dev.nhl.cli;

import static dev.nhl.cli.CliTestSupport.nhl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line on a Caltech-101 subset: train a head on the photos through MobileNetV2, index
 * them, re-index (nothing re-encoded), survive an unreadable file, then search with held-out
 * photos and find mostly their class.
 */
class CliEndToEndTest {

  @Test
  void trainIndexReindexSearch(@TempDir Path tmp) throws Exception {
    CliTestSupport.assumeData();
    Path photos = tmp.resolve("photos");
    List<Path> queries = CliTestSupport.collection(photos, 25);
    Path model = tmp.resolve("photos.onnx");
    Path index = tmp.resolve("index");

    CliTestSupport.Run train = nhl("train", "--images", photos.toString(), "--backbone",
        CliTestSupport.MOBILENET.toString(), "--out", model.toString(), "--epochs", "40");
    assertEquals(0, train.code(), train.err());
    assertTrue(train.out().contains("150 photos in 6 classes"), train.out());

    CliTestSupport.Run first = nhl("index", photos.toString(), "-m", model.toString(), "-i", index.toString());
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("150 to encode, 0 unchanged"), first.out());
    assertTrue(first.out().contains("indexed 150 photos"), first.out());

    CliTestSupport.Run again = nhl("index", photos.toString(), "-m", model.toString(), "-i", index.toString());
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("0 to encode, 150 unchanged"), again.out());
    assertTrue(again.out().contains("indexed 0 photos"), again.out());

    // an unreadable file is reported and skipped; a removed one leaves the index
    Files.write(photos.resolve("watch").resolve("broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 0, 1, 2});
    Path removed;
    try (var s = Files.list(photos.resolve("sunflower"))) {
      removed = s.sorted().findFirst().orElseThrow();
    }
    Files.delete(removed);
    CliTestSupport.Run third = nhl("index", photos.toString(), "-m", model.toString(), "-i", index.toString());
    assertEquals(0, third.code(), third.err());
    assertTrue(third.out().contains("1 to encode, 149 unchanged, 1 gone"), third.out());
    assertTrue(third.out().contains("skipped 1 unreadable, removed 1"), third.out());
    assertTrue(third.err().contains("broken.jpg"), third.err());

    // codes of another model cannot join the index: refused, unless every photo is re-encoded
    Path other = tmp.resolve("other.onnx");
    assertEquals(0, nhl("train", "--images", photos.toString(), "--backbone", CliTestSupport.MOBILENET.toString(),
        "--out", other.toString(), "--epochs", "2", "--seed", "7").code());
    CliTestSupport.Run refused = nhl("index", photos.toString(), "-m", other.toString(), "-i", index.toString());
    assertEquals(2, refused.code(), refused.out());
    assertTrue(refused.err().contains("built with another model"), refused.err());
    CliTestSupport.Run copy = nhl("index", photos.toString(), "-m", copyOf(model, tmp).toString(), "-i", index.toString());
    assertEquals(0, copy.code(), copy.err());
    // the same model under another name is the same model; only the unreadable file is tried again
    assertTrue(copy.out().contains("1 to encode, 149 unchanged"), copy.out());

    CliTestSupport.Run stats = nhl("stats", "-i", index.toString());
    assertEquals(0, stats.code(), stats.err());
    assertTrue(stats.out().contains("codes     149"), stats.out());
    assertTrue(stats.out().contains("spec      8,16,32,64,128 bits"), stats.out());

    double precision = 0;
    for (int q = 0; q < queries.size(); q++) {
      String cls = CliTestSupport.CLASSES.get(q);
      CliTestSupport.Run s = nhl("search", queries.get(q).toString(), "-i", index.toString(), "-k", "10");
      assertEquals(0, s.code(), s.err());
      int hits = 0;
      int same = 0;
      for (String line : s.out().split("\n")) {
        String[] parts = line.trim().split("\\s+");
        // rank, five distances, tag, path
        if (parts.length == 8 && parts[0].matches("\\d+") && parts[7].startsWith("/")) {
          hits++;
          same += parts[6].equals(cls) ? 1 : 0;
        }
      }
      assertEquals(10, hits, s.out());
      // the default search is exact: the same photos, in the same order, as a scan of every code
      CliTestSupport.Run exact = nhl("search", queries.get(q).toString(), "-i", index.toString(), "-k", "10", "--exact");
      assertEquals(0, exact.code(), exact.err());
      assertEquals(10, hitLines(s.out()).size(), s.out());
      assertEquals(hitLines(exact.out()), hitLines(s.out()));
      System.out.printf(Locale.ROOT, "held-out %s (%s): precision@10 %.1f%n", queries.get(q).getFileName(), cls, same / 10.0);
      precision += same / 10.0;
    }
    // the stages on request: one per length of the spec; --exact and --stages together are refused
    CliTestSupport.Run staged = nhl("search", queries.get(0).toString(), "-i", index.toString(), "--stages");
    assertEquals(0, staged.code(), staged.err());
    assertEquals(5, java.util.Arrays.stream(staged.out().split("\n"))
        .filter(l -> l.trim().matches("(8|16|32|64|128)\\s+[0-9,]+\\s+[0-9,]+\\s+[0-9.]+ ms")).count(), staged.out());
    CliTestSupport.Run both = nhl("search", queries.get(0).toString(), "-i", index.toString(), "--stages", "--exact");
    assertEquals(2, both.code(), both.out());
    assertTrue(both.err().contains("give one of them"), both.err());
    // nhl's modes by name: --mode exact is --exact; a probe with more candidates than photos is exact too
    String probeQuery = queries.get(0).toString();
    List<String> byDefault = hitLines(nhl("search", probeQuery, "-i", index.toString()).out());
    assertEquals(byDefault, hitLines(nhl("search", probeQuery, "-i", index.toString(), "--mode", "exact").out()));
    CliTestSupport.Run probe = nhl("search", probeQuery, "-i", index.toString(), "--mode", "probe", "--candidates", "1000000");
    assertEquals(0, probe.code(), probe.err());
    assertEquals(byDefault, hitLines(probe.out()));
    CliTestSupport.Run noBudget = nhl("search", probeQuery, "-i", index.toString(), "--mode", "probe");
    assertEquals(2, noBudget.code(), noBudget.out());
    assertTrue(noBudget.err().contains("--mode probe needs --candidates"), noBudget.err());
    precision /= queries.size();
    System.out.printf(Locale.ROOT, "mean precision@10 over %d held-out photos: %.2f%n", queries.size(), precision);
    assertTrue(precision >= 0.7, "mean precision@10 " + precision);
  }

  /** The result lines of {@code nhl search}: rank, distances, tag and path. */
  static List<String> hitLines(String out) {
    return java.util.Arrays.stream(out.split("\n")).map(String::trim)
        .filter(l -> l.matches("\\d+\\s+\\d+.*\\s/.*")).toList();
  }

  /**
   * With {@code --train-trunk} MobileNetV2's last convolution is trained with the head and written
   * into the model: its codes index and search as any model's do, a photo of the index finds itself
   * first, and held-out photos find mostly their class.
   */
  @Test
  void trainedTrunkIndexesAndSearches(@TempDir Path tmp) throws Exception {
    CliTestSupport.assumeData();
    Path photos = tmp.resolve("photos");
    List<Path> queries = CliTestSupport.collection(photos, 25);
    Path model = tmp.resolve("trunk.onnx");
    Path index = tmp.resolve("index");
    CliTestSupport.Run train = nhl("train", "--images", photos.toString(), "--backbone",
        CliTestSupport.MOBILENET.toString(), "--out", model.toString(), "--epochs", "15", "--train-trunk", "--views", "2");
    assertEquals(0, train.code(), train.err());
    assertTrue(train.out().contains("of 150 photos, 2 views each"), train.out());
    assertTrue(train.out().contains("with the trunk (320 -> 1280 channels)"), train.out());
    CliTestSupport.Run indexed = nhl("index", photos.toString(), "-m", model.toString(), "-i", index.toString());
    assertEquals(0, indexed.code(), indexed.err());
    assertTrue(indexed.out().contains("indexed 150 photos"), indexed.out());
    Path member;
    try (var s = Files.list(photos.resolve("watch"))) {
      member = s.sorted().findFirst().orElseThrow();
    }
    CliTestSupport.Run self = nhl("search", member.toString(), "-i", index.toString(), "-k", "3");
    assertEquals(0, self.code(), self.err());
    String first = java.util.Arrays.stream(self.out().split("\n")).map(String::trim).filter(l -> l.startsWith("1 "))
        .findFirst().orElseThrow(() -> new AssertionError(self.out()));
    assertTrue(first.matches("1\\s+0\\s+0\\s+0\\s+0\\s+0\\s+.*"), "the photo finds its own code first: " + self.out());
    double precision = 0;
    for (int q = 0; q < queries.size(); q++) {
      CliTestSupport.Run s = nhl("search", queries.get(q).toString(), "-i", index.toString(), "-k", "10");
      assertEquals(0, s.code(), s.err());
      String cls = CliTestSupport.CLASSES.get(q);
      int same = 0;
      for (String line : s.out().split("\n")) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length == 8 && parts[0].matches("\\d+") && parts[6].equals(cls)) {
          same++;
        }
      }
      precision += same / 10.0;
    }
    precision /= queries.size();
    System.out.printf(Locale.ROOT, "trained trunk: mean precision@10 over %d held-out photos: %.2f%n", queries.size(), precision);
    assertTrue(precision >= 0.7, "mean precision@10 " + precision);
  }

  static Path copyOf(Path model, Path dir) throws java.io.IOException {
    Path c = dir.resolve("same-model.onnx");
    Files.copy(model, c);
    return c;
  }

  @Test
  void exitCodesAndMessages(@TempDir Path tmp) {
    CliTestSupport.Run none = nhl();
    assertEquals(2, none.code());
    CliTestSupport.Run bogus = nhl("bogus");
    assertEquals(2, bogus.code());
    assertTrue(bogus.err().contains("bogus"), bogus.err());
    CliTestSupport.Run noIndex = nhl("search", "00ff", "-i", tmp.resolve("none").toString());
    assertEquals(2, noIndex.code());
    assertTrue(noIndex.err().contains("no index in"), noIndex.err());
    CliTestSupport.Run noFolder = nhl("index", tmp.resolve("nope").toString(), "-m", "m.onnx", "-i", tmp.toString());
    assertEquals(2, noFolder.code());
    assertTrue(noFolder.err().contains("is not a folder"), noFolder.err());
    for (String cmd : new String[] {"train", "index", "search", "stats", "serve"}) {
      CliTestSupport.Run help = nhl(cmd, "--help");
      assertEquals(0, help.code(), cmd);
      assertTrue(help.out().contains("Usage: nhl " + cmd), help.out());
    }
  }
}
