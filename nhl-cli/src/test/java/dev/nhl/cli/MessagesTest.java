package dev.nhl.cli;

import static dev.nhl.cli.CliTestSupport.nhl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the command line says about input it cannot use: each message names the file or folder
 * and what is wrong, the run goes on past a bad photo, and a run that fails leaves no index folder
 * behind.
 */
class MessagesTest {

  @Test
  void badInputIsNamedAndLeavesNothingBehind(@TempDir Path tmp) throws Exception {
    CliTestSupport.assumeData();
    Path photos = tmp.resolve("photos");
    List<Path> queries = CliTestSupport.collection(photos, 5);
    Path model = tmp.resolve("photos.onnx");
    assertEquals(0, nhl("train", "--images", photos.toString(), "--backbone", CliTestSupport.MOBILENET.toString(),
        "--out", model.toString(), "--epochs", "2").code());

    // an empty file among the photos: skipped with what it is, the others indexed
    Path empty = photos.resolve("watch").resolve("empty.jpg");
    Files.write(empty, new byte[0]);
    Path index = tmp.resolve("index");
    CliTestSupport.Run indexed = nhl("index", photos.toString(), "-m", model.toString(), "-i", index.toString());
    assertEquals(0, indexed.code(), indexed.err());
    assertTrue(indexed.err().contains(empty + ": cannot decode image " + empty + ": the file is empty (0 bytes)"),
        indexed.err());
    assertTrue(indexed.out().contains("skipped 1 unreadable"), indexed.out());

    // a folder given as the query
    CliTestSupport.Run folder = nhl("search", photos.toString(), "-i", index.toString());
    assertEquals(2, folder.code(), folder.out());
    assertTrue(folder.err().contains(photos + " is a folder: search takes one photo file, or a code in hex"),
        folder.err());

    // searching with a model other than the index's
    Path other = tmp.resolve("other.onnx");
    assertEquals(0, nhl("train", "--images", photos.toString(), "--backbone", CliTestSupport.MOBILENET.toString(),
        "--out", other.toString(), "--epochs", "2", "--seed", "7").code());
    CliTestSupport.Run mismatch = nhl("search", queries.get(0).toString(), "-i", index.toString(), "-m", other.toString());
    assertEquals(2, mismatch.code(), mismatch.out());
    assertTrue(mismatch.err().contains("built with another model (" + model.toAbsolutePath().normalize() + ") than "
        + other), mismatch.err());

    // the backbone alone as the search's model: not an nhl model, said before anything else
    CliTestSupport.Run backbone = nhl("search", queries.get(0).toString(), "-i", index.toString(), "-m",
        CliTestSupport.MOBILENET.toString());
    assertEquals(2, backbone.code(), backbone.out());
    assertTrue(backbone.err().contains("gives no codes (no nhl.spec in its metadata): it is not a model from 'nhl "
        + "train'"), backbone.err());

    // an empty folder: said, and no index made
    Path none = Files.createDirectories(tmp.resolve("none"));
    Path index2 = tmp.resolve("index2");
    CliTestSupport.Run nothing = nhl("index", none.toString(), "-m", model.toString(), "-i", index2.toString());
    assertEquals(2, nothing.code(), nothing.out());
    assertTrue(nothing.err().contains("no photos under " + none), nothing.err());
    assertFalse(Files.exists(index2), "no index folder is left behind");

    // the backbone alone is not a model of codes: said, and no folder left behind
    Path index3 = tmp.resolve("index3");
    CliTestSupport.Run raw = nhl("index", photos.toString(), "-m", CliTestSupport.MOBILENET.toString(), "-i",
        index3.toString());
    assertEquals(2, raw.code(), raw.out());
    assertTrue(raw.err().contains("gives no codes (no nhl.spec in its metadata): use a model from 'nhl train'"),
        raw.err());
    assertFalse(Files.exists(index3), "no index folder is left behind");
  }

  /**
   * A PNG of 20000 x 20000 and a JPEG of 30000 x 20000 pixels, a few megabytes on disk, among
   * ordinary photos: the run completes, every photo is indexed, the big ones decoded reduced; with
   * a lower --max-pixels they are skipped with the limit named and the others still indexed.
   */
  @Test
  void hugeImagesAmongPhotos(@TempDir Path tmp) throws Exception {
    CliTestSupport.assumeData();
    Path photos = tmp.resolve("photos");
    CliTestSupport.collection(photos, 3);
    Path model = tmp.resolve("photos.onnx");
    assertEquals(0, nhl("train", "--images", photos.toString(), "--backbone", CliTestSupport.MOBILENET.toString(),
        "--out", model.toString(), "--epochs", "2").code());
    long ordinary;
    try (var s = Files.walk(photos)) {
      ordinary = s.filter(Photos::isPhoto).count();
    }
    Path big = Files.createDirectories(photos.resolve("big"));
    dev.nhl.encoder.image.TestImages.writePng(big.resolve("huge.png"), 20000, 20000);
    dev.nhl.encoder.image.TestImages.writeGrayJpeg(big.resolve("huge.jpg"), 30000, 20000);

    CliTestSupport.Run all = nhl("index", photos.toString(), "-m", model.toString(), "-i", tmp.resolve("a").toString());
    assertEquals(0, all.code(), all.err());
    assertTrue(all.out().contains("indexed " + (ordinary + 2) + " photos, skipped 0"), all.out());

    CliTestSupport.Run limited = nhl("index", photos.toString(), "-m", model.toString(), "-i",
        tmp.resolve("b").toString(), "--max-pixels", "100000000");
    assertEquals(0, limited.code(), limited.err());
    assertTrue(limited.out().contains("indexed " + ordinary + " photos, skipped 2"), limited.out());
    assertTrue(limited.err().contains("huge.png: cannot decode image " + big.resolve("huge.png")
        + ": it declares 20000 x 20000 pixels (400 megapixels), more than the limit of 100 megapixels"), limited.err());
    assertTrue(limited.err().contains("declares 30000 x 20000 pixels (600 megapixels)"), limited.err());
  }

  /**
   * Exit 2 is for the user's input only: a model file ONNX Runtime cannot load is a failure while
   * working, exit 1, its message always, and its stack trace under --verbose only.
   */
  @Test
  void failuresWhileWorkingExitOneWithTheirTraceUnderVerbose(@TempDir Path tmp) throws Exception {
    CliTestSupport.assumeData();
    Path photos = tmp.resolve("photos");
    CliTestSupport.collection(photos, 1);
    Path broken = tmp.resolve("broken.onnx");
    Files.write(broken, "not a model at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    CliTestSupport.Run quiet = nhl("index", photos.toString(), "-m", broken.toString(), "-i", tmp.resolve("a").toString());
    assertEquals(1, quiet.code(), quiet.err());
    assertTrue(quiet.err().startsWith("nhl index: "), quiet.err());
    assertFalse(quiet.err().contains("\tat "), "no stack trace without --verbose: " + quiet.err());
    CliTestSupport.Run verbose = nhl("--verbose", "index", photos.toString(), "-m", broken.toString(), "-i",
        tmp.resolve("b").toString());
    assertEquals(1, verbose.code(), verbose.err());
    assertTrue(verbose.err().contains("\tat "), "a stack trace under --verbose: " + verbose.err());
    assertFalse(Files.exists(tmp.resolve("a")) || Files.exists(tmp.resolve("b")), "no index folder left behind");
  }
}
