package dev.nhl.index;

import static dev.nhl.index.TestCodes.pairs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        for (SearchOptions o : new SearchOptions[] {SearchOptions.exact(20), SearchOptions.exact(7, 32), SearchOptions.progressive(5)}) {
          assertEquals(pairs(heap.search(q, o)), pairs(mapped.search(q, o)));
        }
        assertEquals(pairs(heap.radius(q, 64, 30, null)), pairs(mapped.radius(q, 64, 30, null)));
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
    b[8] = 2; // version 2
    Path bad = dir.resolve("v2.nhl");
    Files.write(bad, b);
    CorruptIndexFileException e = assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad));
    assertTrue(e.getMessage().contains("unsupported format version 2"), e.getMessage());
    Files.writeString(bad, "this is a text file, certainly not an index of codes at all");
    e = assertThrows(CorruptIndexFileException.class, () -> NestedCodeIndex.open(bad));
    assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
    assertThrows(java.nio.file.NoSuchFileException.class, () -> NestedCodeIndex.open(dir.resolve("missing.nhl")));
  }

  @Test
  void searchingAClosedIndexFails(Random r) throws IOException {
    Path f = sample(r, false);
    NestedCodeIndex idx = NestedCodeIndex.open(f);
    idx.close();
    assertThrows(IllegalStateException.class, () -> idx.search(new byte[16], SearchOptions.exact(3)));
  }
}
