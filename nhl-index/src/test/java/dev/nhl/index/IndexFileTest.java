package dev.nhl.index;

import static dev.nhl.index.TestCodes.pairs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(Seeded.class)
class IndexFileTest {

  @TempDir Path dir;

  static final CodeSpec SPEC = CodeSpec.of(8, 16, 32, 64, 128);

  @Test
  void roundTripKeepsCodesSearchesAndDeletions(Random r) throws IOException {
    for (int n : new int[] {0, 1, 63, 64, 65, 3001}) {
      byte[][] codes = TestCodes.clustered(r, n, 16, 5, 0.1);
      NestedCodeIndex heap = TestCodes.heapIndex(SPEC, codes);
      for (int i = 0; i < n; i += 1 + r.nextInt(7)) {
        heap.delete(i);
      }
      Path f = dir.resolve("codes-" + n + ".nhl");
      heap.write(f);
      try (NestedCodeIndex mapped = NestedCodeIndex.open(f)) {
        assertEquals(SPEC, mapped.spec());
        assertEquals(n, mapped.size());
        assertEquals(heap.liveCount(), mapped.liveCount());
        for (int i = 0; i < n; i++) {
          assertArrayEquals(codes[i], mapped.code(i));
          assertEquals(heap.isDeleted(i), mapped.isDeleted(i));
        }
        byte[] q = new byte[16];
        r.nextBytes(q);
        for (SearchOptions o : new SearchOptions[] {SearchOptions.exact(20), SearchOptions.exact(7, 32), SearchOptions.defaults(5)}) {
          assertEquals(pairs(heap.search(q, o)), pairs(mapped.search(q, o)));
        }
        assertEquals(pairs(heap.radius(q, 64, 30)), pairs(mapped.radius(q, 64, 30)));
      }
      // the builder writes the same bytes as a heap index without deletions
      NestedCodeIndex.Builder b = NestedCodeIndex.builder(SPEC);
      for (byte[] c : codes) {
        b.add(c);
      }
      Path g = dir.resolve("built-" + n + ".nhl");
      Path h = dir.resolve("heap-" + n + ".nhl");
      b.write(g);
      b.build().write(h);
      assertArrayEquals(Files.readAllBytes(h), Files.readAllBytes(g));
    }
    try (var files = Files.list(dir)) {
      assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")), "temporary file left behind");
    }
  }

  /** What a killed writer leaves beside the file is removed by the next write; other files stay. */
  @Test
  void leftoversOfAKilledWriteAreRemovedByTheNext(Random r) throws IOException {
    Path f = dir.resolve("codes.nhl");
    Path leftover = dir.resolve("codes.nhl.123456789.tmp");
    Path other = dir.resolve("codes.nhl.backup.tmp");
    Path otherIndex = dir.resolve("other.nhl.123.tmp");
    for (Path p : List.of(leftover, other, otherIndex)) {
      Files.write(p, new byte[] {1, 2, 3});
    }
    TestCodes.heapIndex(SPEC, TestCodes.random(r, 10, 16)).write(f);
    assertFalse(Files.exists(leftover));
    assertTrue(Files.exists(other) && Files.exists(otherIndex));
    try (NestedCodeIndex index = NestedCodeIndex.open(f)) {
      assertEquals(10, index.size());
    }
  }

  private Path sample(Random r, boolean withDeletions) throws IOException {
    byte[][] codes = TestCodes.random(r, 300, 16);
    NestedCodeIndex heap = TestCodes.heapIndex(SPEC, codes);
    if (withDeletions) {
      heap.delete(5);
      heap.delete(299);
    }
    Path f = dir.resolve("sample.nhl");
    heap.write(f);
    return f;
  }

  @Test
  void everyFlippedByteIsDetected(Random r) throws IOException {
    Path f = sample(r, true);
    byte[] good = Files.readAllBytes(f);
    Path bad = dir.resolve("bad.nhl");
    // every byte of the header, footer and deletion bitset, and a sample of the data
    for (int at = 0; at < good.length; at += at < 128 || at > good.length - 200 ? 1 : 1 + r.nextInt(40)) {
      byte[] b = good.clone();
      b[at] ^= (byte) (1 << r.nextInt(8));
      Files.write(bad, b);
      final int pos = at;
      CorruptIndexFileException e =
          assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad).close(), () -> "flip at " + pos);
      assertTrue(e.getMessage().contains(bad.toString()));
    }
  }

  /**
   * Every byte of a small index with tables and deletions flipped, one at a time: always the
   * format's corruption exception, and every length it can be cut to: the same, with or without
   * the checksum (the structure's own bounds catch a cut file).
   */
  @Test
  void everyByteFlipAndEveryTruncationIsDetected(Random r) throws IOException {
    byte[][] codes = TestCodes.clustered(r, 120, 16, 4, 0.1);
    NestedCodeIndex.Builder builder = NestedCodeIndex.builder(SPEC).multiIndexFrom(1);
    for (byte[] c : codes) {
      builder.add(c);
    }
    NestedCodeIndex heap = builder.build();
    heap.delete(3);
    heap.delete(119);
    Path f = dir.resolve("small.nhl");
    heap.write(f);
    byte[] good = Files.readAllBytes(f);
    try (NestedCodeIndex written = NestedCodeIndex.open(f)) {
      assertTrue(written.hasMultiIndex());
      assertEquals(118, written.liveCount());
    }
    Path bad = dir.resolve("damaged.nhl");
    for (int at = 0; at < good.length; at++) {
      byte[] b = good.clone();
      b[at] ^= (byte) (1 + r.nextInt(255));
      Files.write(bad, b);
      final int pos = at;
      assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad).close(), () -> "flip at " + pos);
    }
    for (int len = 0; len < good.length; len++) {
      Files.write(bad, java.util.Arrays.copyOf(good, len));
      final int l = len;
      assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad).close(), () -> "cut to " + l);
      assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad, false).close(),
          () -> "cut to " + l + ", no checksum");
    }
  }

  /** Random flips and cuts of a large index (200,000 codes with tables): always detected. */
  @Test
  void randomFlipsAndCutsOfALargeIndexAreDetected(Random r) throws IOException {
    NestedCodeIndex.Builder b = NestedCodeIndex.builder(SPEC).multiIndexFrom(1);
    for (byte[] c : TestCodes.clustered(r, 200_000, 16, 200, 0.1)) {
      b.add(c);
    }
    Path f = dir.resolve("large.nhl");
    b.write(f);
    byte[] good = Files.readAllBytes(f);
    Path bad = dir.resolve("large-damaged.nhl");
    for (int i = 0; i < 40; i++) {
      byte[] d = good.clone();
      int at = r.nextInt(d.length);
      d[at] ^= (byte) (1 + r.nextInt(255));
      Files.write(bad, d);
      assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad).close(), () -> "flip at " + at);
      int len = r.nextInt(good.length);
      Files.write(bad, java.util.Arrays.copyOf(good, len));
      assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad, false).close(), () -> "cut to " + len);
    }
  }

  @Test
  void truncatedOrExtendedFilesAreRejectedEvenWithoutChecksum(Random r) throws IOException {
    Path f = sample(r, false);
    byte[] good = Files.readAllBytes(f);
    Path bad = dir.resolve("short.nhl");
    for (int len : new int[] {0, 7, 8, 20, 40, 63, 64, good.length / 2, good.length - 17, good.length - 16, good.length - 1}) {
      Files.write(bad, java.util.Arrays.copyOf(good, len));
      assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad, false).close(), "length " + len);
    }
    Files.write(bad, java.util.Arrays.copyOf(good, good.length + 1));
    CorruptIndexFileException e = assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad, false));
    assertTrue(e.getMessage().contains("trailing bytes"), e.getMessage());
    Files.write(bad, java.util.Arrays.copyOf(good, good.length - 1));
    e = assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad, false));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void otherFilesAndVersionsAreNamed(Random r) throws IOException {
    Path f = sample(r, false);
    byte[] b = Files.readAllBytes(f);
    b[8] = 4; // a version from the future
    Path bad = dir.resolve("v4.nhl");
    Files.write(bad, b);
    CorruptIndexFileException e = assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad));
    assertTrue(e.getMessage().contains("unsupported format version 4"), e.getMessage());
    Files.writeString(bad, "this is a text file, certainly not an index of codes at all");
    e = assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad));
    assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
    assertThrows(java.nio.file.NoSuchFileException.class, () -> NestedCodeIndex.open(dir.resolve("missing.nhl")));
  }

  /**
   * A version 1 file (no prefix table), written by the release that introduced the format: 100
   * codes from {@code new Random(42).nextBytes}, ids 3 and 97 deleted.
   */
  @Test
  void version1FilesStillOpen(Random r) throws IOException {
    Path f = dir.resolve("v1.nhl");
    try (var in = IndexFileTest.class.getResourceAsStream("version1-100-codes.nhl")) {
      Files.copy(in, f);
    }
    Random gen = new Random(42);
    byte[][] codes = new byte[100][16];
    for (byte[] c : codes) {
      gen.nextBytes(c);
    }
    java.util.BitSet deleted = new java.util.BitSet();
    deleted.set(3);
    deleted.set(97);
    try (NestedCodeIndex v1 = NestedCodeIndex.open(f)) {
      assertEquals(SPEC, v1.spec());
      assertEquals(98, v1.liveCount());
      assertTrue(v1.isDeleted(97));
      assertTrue(!v1.hasMultiIndex());
      for (int i = 0; i < 100; i++) {
        assertArrayEquals(codes[i], v1.code(i));
      }
      byte[] q = new byte[16];
      r.nextBytes(q);
      assertEquals(TestCodes.bruteForce(codes, q, 128, null, deleted, 10, 128), pairs(v1.search(q, SearchOptions.defaults(10))));
      // written again, it is a current file with the same content
      Path g = dir.resolve("v3.nhl");
      v1.write(g);
      assertEquals(IndexFileFormat.VERSION, Files.readAllBytes(g)[8]);
      try (NestedCodeIndex v3 = NestedCodeIndex.open(g)) {
        assertEquals(pairs(v1.search(q, SearchOptions.exact(20))), pairs(v3.search(q, SearchOptions.exact(20))));
      }
    }
  }

  /** A version 2 file (with a prefix table), written by the release before multi-index tables. */
  @Test
  void version2FilesStillOpen(Random r) throws IOException {
    Path f = dir.resolve("v2.nhl");
    try (var in = IndexFileTest.class.getResourceAsStream("version2-300-codes.nhl")) {
      Files.copy(in, f);
    }
    assertEquals(2, Files.readAllBytes(f)[8]);
    Random gen = new Random(4242);
    byte[][] codes = new byte[300][16];
    for (byte[] c : codes) {
      gen.nextBytes(c);
    }
    java.util.BitSet deleted = new java.util.BitSet();
    deleted.set(5);
    deleted.set(250);
    CodeSpec spec = CodeSpec.of(16, 32, 64, 128);
    try (NestedCodeIndex v2 = NestedCodeIndex.open(f)) {
      assertEquals(spec, v2.spec());
      assertEquals(298, v2.liveCount());
      assertTrue(!v2.hasMultiIndex()); // its prefix table is not used
      for (int i = 0; i < 300; i++) {
        assertArrayEquals(codes[i], v2.code(i));
      }
      for (int q = 0; q < 5; q++) {
        byte[] query = codes[r.nextInt(300)].clone();
        query[r.nextInt(16)] ^= 1;
        for (int len : spec.lengths()) {
          assertEquals(TestCodes.bruteForce(codes, query, len, null, deleted, 10, len),
              pairs(v2.search(query, SearchOptions.defaults(10, len))));
          assertEquals(TestCodes.bruteForce(codes, query, len, null, deleted, 300, 3),
              pairs(v2.radius(query, len, 3)));
        }
      }
      // every byte of its table is still under the checksum
      byte[] good = Files.readAllBytes(f);
      Path bad = dir.resolve("bad-v2.nhl");
      for (int i = 0; i < 10; i++) {
        byte[] flipped = good.clone();
        flipped[good.length - 200 - r.nextInt(2000)] ^= 1;
        Files.write(bad, flipped);
        assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad).close());
      }
    }
  }

  private static NestedCodeIndex.Builder builder(byte[][] codes, int tableFrom) {
    NestedCodeIndex.Builder b = NestedCodeIndex.builder(SPEC).multiIndexFrom(tableFrom);
    for (byte[] c : codes) {
      b.add(c);
    }
    return b;
  }

  @Test
  void multiIndexTablesSurviveTheFileAndAreChecked(Random r) throws IOException {
    byte[][] codes = TestCodes.clustered(r, 2000, 16, 5, 0.05);
    NestedCodeIndex.Builder b = builder(codes, 1);
    NestedCodeIndex heap = b.build();
    assertTrue(heap.hasMultiIndex());
    Path built = dir.resolve("built.nhl");
    Path fromHeap = dir.resolve("heap.nhl");
    b.write(built);
    heap.write(fromHeap);
    assertArrayEquals(Files.readAllBytes(built), Files.readAllBytes(fromHeap));
    heap.delete(7);
    heap.write(fromHeap);
    byte[] q = codes[r.nextInt(codes.length)].clone();
    q[0] ^= 1;
    try (NestedCodeIndex mapped = NestedCodeIndex.open(fromHeap)) {
      assertTrue(mapped.hasMultiIndex());
      for (SearchOptions o : new SearchOptions[] {SearchOptions.defaults(10), SearchOptions.approximate(10, 50),
          SearchOptions.approximate(10, Long.MAX_VALUE), SearchOptions.exact(3, 64)}) {
        assertEquals(pairs(heap.search(q, o)), pairs(mapped.search(q, o)));
      }
    }
    // every flipped byte of the table is caught by the checksum
    byte[] good = Files.readAllBytes(fromHeap);
    Path bad = dir.resolve("bad.nhl");
    for (int i = 0; i < 20; i++) {
      byte[] flipped = good.clone();
      int at = good.length / 3 + r.nextInt(good.length / 2);
      flipped[at] ^= (byte) (1 << r.nextInt(8));
      Files.write(bad, flipped);
      assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad).close(), "flip at " + at);
    }
    // bucket starts out of order are refused even without the checksum
    int stages = SPEC.stages();
    java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(good).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int at = 16 + 4 * stages + 32;
    int m = h.getInt(at);
    assertEquals(MultiIndex.substrings(SPEC, codes.length).size(), m);
    long tableOffset = h.getLong(at + 4 + 8 * m);
    int firstStarts = (int) (tableOffset + ColumnLayout.align(16L * codes.length));
    byte[] broken = good.clone();
    broken[firstStarts + 4 * 5] = (byte) 0xff; // bucket 5 of the first table starts far past the end
    broken[firstStarts + 4 * 5 + 1] = (byte) 0xff;
    Files.write(bad, broken);
    CorruptIndexFileException e = assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad, false));
    assertTrue(e.getMessage().contains("multi-index"), e.getMessage());
  }

  @Test
  void searchingAClosedIndexFails(Random r) throws IOException {
    Path f = sample(r, false);
    NestedCodeIndex idx = NestedCodeIndex.open(f);
    idx.close();
    assertThrows(IllegalStateException.class, () -> idx.search(new byte[16], SearchOptions.exact(3)));
  }
}
