package dev.nhl.examples;

import dev.nhl.index.CodeSpec;
import dev.nhl.lucene.NestedCodeField;
import dev.nhl.lucene.NestedHammingQuery;
import dev.nhl.lucene.NhlCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * How an existing Lucene application adds nested-code search: one line of configuration (the
 * codec), one field per document, and a query that combines with any other.
 */
public final class LuceneEmbedding {

  private LuceneEmbedding() {}

  /** Indexes a few photos' codes beside their other fields and runs a filtered nearest-code query. */
  public static void main(String[] args) throws IOException {
    Path path = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("nhl-embedding");
    CodeSpec spec = CodeSpec.of(8, 16, 32, 64, 128);   // the lengths your NHL model emits
    Random random = new Random(7);
    byte[][] codes = new byte[1000][16];               // in a real app: ImageEncoder results
    for (byte[] c : codes) {
      random.nextBytes(c);
    }

    try (Directory dir = FSDirectory.open(path)) {
      // 1. the only configuration: nhl's codec (a FilterCodec over Lucene's default)
      IndexWriterConfig config = new IndexWriterConfig().setCodec(new NhlCodec());
      try (IndexWriter writer = new IndexWriter(dir, config)) {
        for (int i = 0; i < codes.length; i++) {
          Document doc = new Document();
          doc.add(new StringField("id", "photo-" + i, Field.Store.YES));
          doc.add(new TextField("caption", i % 3 == 0 ? "a day at the beach" : "city streets at night", Field.Store.YES));
          doc.add(new StringField("tag", i % 3 == 0 ? "beach" : "city", Field.Store.NO));
          // 2. the nested code, checked against the spec when the document is added
          doc.add(new NestedCodeField("code", codes[i], spec));
          writer.addDocument(doc);
        }
      }

      // 3. reading needs no configuration: the codec is found by its name in the index
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = new IndexSearcher(reader);
        byte[] queryCode = codes[42].clone();
        queryCode[15] ^= 0x01;                          // a near-duplicate of photo-42

        // the 10 nearest codes among photos tagged "beach", widening 8 -> 128 bits progressively
        NestedHammingQuery nearest = NestedHammingQuery.defaults("code", queryCode, 10)
            .withFilter(new TermQuery(new Term("tag", "beach")));
        // ...and, like any Lucene query, it composes: here the caption must mention "day" too
        Query query = new BooleanQuery.Builder()
            .add(nearest, Occur.MUST)
            .add(new TermQuery(new Term("caption", "day")), Occur.FILTER)
            .build();

        TopDocs top = searcher.search(query, 10);
        for (ScoreDoc sd : top.scoreDocs) {
          // score = 1 / (1 + Hamming distance at 128 bits)
          System.out.printf("%-10s distance %3d  %s%n", reader.storedFields().document(sd.doc).get("id"),
              NestedHammingQuery.distance(sd.score), reader.storedFields().document(sd.doc).get("caption"));
        }
      }
    }
  }
}
