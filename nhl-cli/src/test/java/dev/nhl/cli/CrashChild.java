package dev.nhl.cli;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.NestedCodeIndex;
import dev.nhl.lucene.NestedCodeField;
import dev.nhl.lucene.NhlCodec;
import java.nio.file.Path;
import java.util.Random;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * What {@link CrashTest} kills: a process that writes an index for ever, printing a line each
 * time something is durable.
 *
 * <ul>
 *   <li>{@code writer DIR}: documents with ids counting up and codes derived from their ids,
 *       through an {@link IndexWriter} with {@link NhlCodec}, a commit every 200; prints
 *       {@code committed N} once documents {@code 0..N-1} are committed. Continues from the
 *       documents already in DIR.
 *   <li>{@code file FILE G}: standalone indexes of generation G, G + 1, ...: each of 5,000 codes
 *       derived from the generation, written with {@link NestedCodeIndex#write}; prints
 *       {@code wrote G}.
 * </ul>
 */
public final class CrashChild {

  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64, 128);
  static final int COMMIT_EVERY = 200;
  static final int FILE_CODES = 5_000;

  private CrashChild() {}

  /** The code of document {@code id} (or of code {@code id} of a file's generation). */
  static byte[] code(long seed, long id) {
    byte[] c = new byte[16];
    new Random(seed * 1_000_003L + id).nextBytes(c);
    return c;
  }

  /** Runs until killed. */
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "writer" -> writer(Path.of(args[1]));
      case "file" -> file(Path.of(args[1]), Long.parseLong(args[2]));
      default -> throw new IllegalArgumentException("writer DIR | file FILE G, got " + args[0]);
    }
  }

  private static void writer(Path path) throws Exception {
    try (Directory dir = FSDirectory.open(path)) {
      int next = 0;
      if (DirectoryReader.indexExists(dir)) {
        try (DirectoryReader r = DirectoryReader.open(dir)) {
          next = r.numDocs();
        }
      }
      IndexWriterConfig cfg = new IndexWriterConfig().setCodec(new NhlCodec())
          .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
      try (IndexWriter w = new IndexWriter(dir, cfg)) {
        for (int id = next; ; id++) {
          Document d = new Document();
          d.add(new StringField("id", Integer.toString(id), Field.Store.NO));
          d.add(new StoredField("n", id));
          d.add(new NestedCodeField("code", code(0, id), SPEC));
          w.addDocument(d);
          if ((id + 1) % COMMIT_EVERY == 0) {
            w.commit();
            System.out.println("committed " + (id + 1));
            System.out.flush();
          }
        }
      }
    }
  }

  private static void file(Path file, long first) throws Exception {
    for (long g = first; ; g++) {
      NestedCodeIndex.Builder b = NestedCodeIndex.builder(SPEC).multiIndexFrom(1);
      for (int i = 0; i < FILE_CODES; i++) {
        b.add(code(g, i));
      }
      b.write(file);
      System.out.println("wrote " + g);
      System.out.flush();
    }
  }
}
