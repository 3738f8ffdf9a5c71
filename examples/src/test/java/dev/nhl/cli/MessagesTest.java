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
}
