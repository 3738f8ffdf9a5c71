package dev.nhl.index;

import static dev.nhl.index.IndexFileFormat.FOOTER_BYTES;
import static dev.nhl.index.IndexFileFormat.FOOTER_MAGIC;
import static dev.nhl.index.IndexFileFormat.MAGIC;
import static dev.nhl.index.IndexFileFormat.VERSION;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Writes index files of the current version ({@link IndexFileFormat#VERSION}) atomically: to a
 * temporary file beside the target, forced to disk, then moved into place, so that a reader or a
 * crash finds the old file or the new one, never a mix.
 */
final class IndexFileWriter {

  private IndexFileWriter() {}

  /**
   * Writes {@code c} to {@code file}; a {@code null} deletion set writes none.
   *
   * @throws IOException if writing fails; the target is then left as it was
   */
  static void write(Path file, IndexFileFormat.Contents c) throws IOException {
    CodeSpec spec = c.spec();
    int n = c.size();
    MemorySegment data = c.data();
    MemorySegment tableData = c.tableData();
    DeletedIds deleted = c.deleted();
    ColumnLayout layout = new ColumnLayout(spec);
    int m = tableData == null ? 0 : c.substrings().size();
    int headerBytes = IndexFileFormat.headerBytes(VERSION, spec.stages(), m);
    long dataOffset = ColumnLayout.align(headerBytes);
    long dataBytes = layout.dataBytes(n);
    long tableBytes = tableData == null ? 0 : tableData.byteSize();
    assert tableData == null || tableBytes == MultiIndex.regionBytes(spec, c.substrings(), n);
    long deletedCount = deleted == null ? 0 : deleted.count();
    ByteBuffer header = ByteBuffer.allocate((int) dataOffset).order(ByteOrder.LITTLE_ENDIAN);
    header.put(MAGIC).putInt(VERSION).putInt(spec.stages());
    for (int l : spec.lengths()) {
      header.putInt(l);
    }
    header.putLong(n).putLong(deletedCount).putLong(dataOffset).putLong(dataBytes);
    header.putInt(m);
    for (int t = 0; t < m; t++) {
      header.putInt(c.substrings().get(t).from()).putInt(c.substrings().get(t).width());
    }
    header.putLong(m == 0 ? 0 : dataOffset + dataBytes).putLong(tableBytes);
    CRC32C hcrc = new CRC32C();
    hcrc.update(header.array(), 0, header.position());
    header.putInt((int) hcrc.getValue());
    header.position(0);

    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    removeLeftovers(dir, file.getFileName().toString());
    Path tmp = Files.createTempFile(dir, file.getFileName().toString() + ".", ".tmp");
    boolean ok = false;
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      CRC32C crc = new CRC32C();
      writeFully(ch, header, crc);
      // copied through a buffer, one MiB at a time: a slice's ByteBuffer view is capped at 2 GiB
      byte[] buf = new byte[1 << 20];
      copy(ch, data, dataBytes, buf, crc);
      if (tableData != null) {
        copy(ch, tableData, tableBytes, buf, crc);
      }
      if (deletedCount > 0) {
        ByteBuffer bits = ByteBuffer.allocate(deleted.wordCount() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < deleted.wordCount(); i++) {
          bits.putLong(deleted.word(i));
        }
        bits.flip();
        writeFully(ch, bits, crc);
      }
      ByteBuffer footer = ByteBuffer.allocate(FOOTER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      footer.put(FOOTER_MAGIC);
      crc.update(FOOTER_MAGIC);
      footer.putLong(crc.getValue()).flip();
      writeFully(ch, footer, null);
      ch.force(true);
      ok = true;
    } finally {
      if (!ok) {
        Files.deleteIfExists(tmp);
      }
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    // the rename itself made durable, as Lucene syncs its directory after a commit
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // some file systems cannot sync a directory; the file itself is synced
    }
  }

  /** Temporary files of earlier writes of {@code name} that a crash left behind. */
  private static void removeLeftovers(Path dir, String name) throws IOException {
    try (var files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String n = f.getFileName().toString();
        if (n.length() > name.length() + 5 && n.startsWith(name + ".") && n.endsWith(".tmp")
            && n.substring(name.length() + 1, n.length() - 4).chars().allMatch(Character::isDigit)) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  private static void copy(FileChannel ch, MemorySegment from, long bytes, byte[] buf, CRC32C crc) throws IOException {
    for (long off = 0; off < bytes; off += buf.length) {
      int len = (int) Math.min(buf.length, bytes - off);
      MemorySegment.copy(from, ValueLayout.JAVA_BYTE, off, buf, 0, len);
      writeFully(ch, ByteBuffer.wrap(buf, 0, len), crc);
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf, CRC32C crc) throws IOException {
    if (crc != null) {
      crc.update(buf.duplicate());
    }
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }
}
