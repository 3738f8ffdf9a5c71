package dev.nhl.cli;

import static dev.nhl.cli.CliTestSupport.nhl;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.encoder.ImageEncoder;
import dev.nhl.index.NestedCodeIndex;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes killed with SIGKILL at random moments while they index, on three paths: an
 * {@code IndexWriter} with nhl's codec committing periodically, {@link NestedCodeIndex#write}
 * replacing a standalone file, and {@code nhl index} on a photo folder. After every kill: the
 * index opens, {@link CheckIndex} finds it clean, everything committed before the kill is there
 * with its exact code, a standalone file is one whole generation (the old or a newer one, never a
 * mix), and {@code nhl index} run again completes the folder. (The {@code nhl index} children
 * re-encode everything half of the time, with {@code --rebuild}, so that kills keep meeting
 * partly written indexes.)
 *
 * <p>{@code -Dnhl.crash.kills=N} kills per path (default 4, for CI); {@code -Dnhl.crash.seed=S}
 * replays a run (the seed is printed).
 */
class CrashTest {

  static final int KILLS = Integer.getInteger("nhl.crash.kills", 4);
  static long seed;

  @BeforeAll
  static void pickSeed() {
    seed = Long.getLong("nhl.crash.seed", System.nanoTime());
    System.out.println("crash test seed " + seed + " (-Dnhl.crash.seed=" + seed + " replays it), " + KILLS
        + " kills a path");
  }

  /** A child JVM running {@code main} with this test's class path; its output lines go to {@code lines}. */
  private static Process start(List<String> lines, String main, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow", "-Xmx512m", "-cp", System.getProperty("java.class.path"), main));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          synchronized (lines) {
            lines.add(line);
          }
        }
      } catch (IOException e) {
        // the process was killed
      }
    });
    reader.setDaemon(true);
    reader.start();
    return p;
  }

  /** Kills with SIGKILL (no shutdown hooks, no flushing) and waits for the end. */
  private static void kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the child ended after SIGKILL");
  }

  /** The last value printed after {@code prefix}, or -1. */
  private static long last(List<String> lines, String prefix) {
    synchronized (lines) {
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).startsWith(prefix)) {
          return Long.parseLong(lines.get(i).substring(prefix.length()).trim());
        }
      }
    }
    return -1;
  }

  private static void checkIndexClean(Path dir) throws IOException {
    try (Directory d = FSDirectory.open(dir); CheckIndex check = new CheckIndex(d)) {
      check.setInfoStream(null);
      CheckIndex.Status status = check.checkIndex();
      assertTrue(status.clean, "CheckIndex finds " + dir + " clean");
    }
  }

  @Test
  void indexWriterWithNhlCodec(@TempDir Path tmp) throws Exception {
    Random r = new Random(seed);
    Path dir = tmp.resolve("index");
    long committed = 0;
    for (int k = 0; k < KILLS; k++) {
      List<String> lines = new ArrayList<>();
      Process p = start(lines, CrashChild.class.getName(), "writer", dir.toString());
      Thread.sleep(300 + r.nextInt(2500));
      kill(p);
      long seen = last(lines, "committed ");
      if (!PhotoIndex.exists(dir)) {
        // killed before its first commit: nothing was committed, so nothing may be there
        assertEquals(0, committed, "kill " + k + ": the index existed before");
        assertEquals(-1, seen, "kill " + k + ": a commit was reported");
        continue;
      }
      checkIndexClean(dir);
      try (Directory d = FSDirectory.open(dir); DirectoryReader reader = DirectoryReader.open(d)) {
        int n = reader.numDocs();
        // commits are whole: documents 0..n-1, every one committed before the kill is there
        assertTrue(n >= Math.max(seen, committed), "kill " + k + ": " + n + " documents, " + seen
            + " committed by this child, " + committed + " before it");
        assertEquals(0, n % CrashChild.COMMIT_EVERY, "kill " + k + ": a whole number of commits");
        boolean[] present = new boolean[n];
        StoredFields stored = reader.storedFields();
        for (LeafReaderContext ctx : reader.leaves()) {
          BinaryDocValues codes = ctx.reader().getBinaryDocValues("code");
          for (int doc = 0; doc < ctx.reader().maxDoc(); doc++) {
            int id = stored.document(ctx.docBase + doc).getField("n").numericValue().intValue();
            assertTrue(id < n && !present[id], "kill " + k + ": document " + id + " once, below " + n);
            present[id] = true;
            assertTrue(codes.advanceExact(doc));
            BytesRef b = codes.binaryValue();
            assertArrayEquals(CrashChild.code(0, id), java.util.Arrays.copyOfRange(b.bytes, b.offset, b.offset + b.length),
                "kill " + k + ": code of document " + id);
          }
        }
        committed = n;
      }
    }
    System.out.printf(Locale.ROOT, "IndexWriter + NhlCodec: %d kills, %,d documents committed at the end, all exact%n",
        KILLS, committed);
  }

  @Test
  void standaloneFileIsOldOrNewNeverAMix(@TempDir Path tmp) throws Exception {
    Random r = new Random(seed + 1);
    Path file = tmp.resolve("codes.nhl");
    long generation = 0;
    int leftovers = 0;
    for (int k = 0; k < KILLS; k++) {
      List<String> lines = new ArrayList<>();
      Process p = start(lines, CrashChild.class.getName(), "file", file.toString(), Long.toString(generation + 1));
      Thread.sleep(300 + r.nextInt(2500));
      kill(p);
      long wrote = last(lines, "wrote ");
      if (!Files.exists(file)) {
        assertEquals(0, generation, "kill " + k + ": the file existed before");
        assertEquals(-1, wrote, "kill " + k + ": a written generation is on disk");
        continue;
      }
      try (NestedCodeIndex index = NestedCodeIndex.open(file)) {
        assertEquals(CrashChild.FILE_CODES, index.size());
        long g = -1;
        for (long candidate = Math.max(1, generation); candidate <= Math.max(wrote, generation) + 1; candidate++) {
          if (java.util.Arrays.equals(CrashChild.code(candidate, 0), index.code(0))) {
            g = candidate;
          }
        }
        assertTrue(g >= Math.max(wrote, generation) && g > 0, "kill " + k + ": generation " + g + " on disk, "
            + wrote + " written by this child, " + generation + " before it");
        for (int i = 0; i < CrashChild.FILE_CODES; i++) {
          assertArrayEquals(CrashChild.code(g, i), index.code(i), "kill " + k + ": code " + i + " of generation " + g);
        }
        generation = g;
      }
      try (var s = Files.list(tmp)) {
        leftovers = (int) s.filter(f -> f.getFileName().toString().endsWith(".tmp")).count();
      }
    }
    System.out.printf(Locale.ROOT, "NestedCodeIndex.write: %d kills, generation %d on disk at the end, whole; "
        + "%d temporary files left by the kills%n", KILLS, generation, leftovers);
  }

  @Test
  void nhlIndexOnAPhotoFolder(@TempDir Path tmp) throws Exception {
    CliTestSupport.assumeData();
    Random r = new Random(seed + 2);
    Path photos = tmp.resolve("photos");
    CliTestSupport.collection(photos, 25);
    Path model = tmp.resolve("photos.onnx");
    assertEquals(0, nhl("train", "--images", photos.toString(), "--backbone", CliTestSupport.MOBILENET.toString(),
        "--out", model.toString(), "--epochs", "2").code());
    List<Path> files = Photos.list(photos);
    Map<String, byte[]> reference = new HashMap<>();
    try (ImageEncoder enc = ImageEncoder.open(model, ImageEncoder.Options.defaults())) {
      for (ImageEncoder.Result res : enc.encode(files)) {
        reference.put(res.path().toString(), res.code());
      }
    }
    // how long a whole run takes here and now, child JVM included: the kills fall within it
    long t0 = System.nanoTime();
    Process timing = start(new ArrayList<>(), Nhl.class.getName(), "index", photos.toString(), "-m", model.toString(),
        "-i", tmp.resolve("index-timing").toString(), "--batch", "4", "--commit-every", "20");
    assertEquals(0, timing.waitFor(), "a run to the end");
    long wholeRunMillis = (System.nanoTime() - t0) / 1_000_000;
    Path index = tmp.resolve("index");
    AtomicLong present = new AtomicLong();
    // what the kills found: no commit yet, some photos, all of them
    int[] outcomes = new int[3];
    for (int k = 0; k < KILLS; k++) {
      List<String> lines = new ArrayList<>();
      // half the runs re-encode everything (--rebuild), so that kills keep finding partial indexes
      List<String> args = new ArrayList<>(List.of("index", photos.toString(), "-m", model.toString(), "-i",
          index.toString(), "--batch", "4", "--commit-every", "20"));
      if (r.nextBoolean()) {
        args.add("--rebuild");
      }
      Process p = start(lines, Nhl.class.getName(), args.toArray(new String[0]));
      Thread.sleep(wholeRunMillis / 4 + (long) (r.nextDouble() * wholeRunMillis * 0.8));
      kill(p);
      if (PhotoIndex.exists(index)) {
        checkIndexClean(index);
        present.set(checkCodes(index, reference, "kill " + k));
      }
      outcomes[present.get() == 0 ? 0 : present.get() < files.size() ? 1 : 2]++;
    }
    CliTestSupport.Run done = nhl("index", photos.toString(), "-m", model.toString(), "-i", index.toString());
    assertEquals(0, done.code(), done.err());
    checkIndexClean(index);
    assertEquals(files.size(), checkCodes(index, reference, "after the run to completion"));
    System.out.printf(Locale.ROOT, "nhl index: %d kills within a whole run's %d ms (after them the index held no photo "
        + "%d times, some %d, all %d), then a run to the end: %d photos, every code exact%n", KILLS, wholeRunMillis,
        outcomes[0], outcomes[1], outcomes[2], files.size());
  }

  /** Every indexed photo's code is the one the model gives it; returns how many are indexed. */
  private static int checkCodes(Path index, Map<String, byte[]> reference, String when) throws IOException {
    try (Directory d = PhotoIndex.open(index); DirectoryReader reader = DirectoryReader.open(d)) {
      StoredFields stored = reader.storedFields();
      for (int doc = 0; doc < reader.maxDoc(); doc++) {
        String path = stored.document(doc).get(PhotoIndex.PATH);
        assertArrayEquals(reference.get(path), PhotoIndex.code(reader, doc), when + ": code of " + path);
      }
      return reader.numDocs();
    }
  }
}
