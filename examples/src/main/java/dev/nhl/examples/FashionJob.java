package dev.nhl.examples;

import dev.nhl.encoder.Device;
import dev.nhl.encoder.FeatureEncoder;
import dev.nhl.encoder.onnx.OnnxModels;
import dev.nhl.encoder.training.IdxFiles;
import dev.nhl.encoder.training.Labels;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.encoder.training.NhlTrainer;
import dev.nhl.encoder.training.TrainerConfig;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.Hits;
import dev.nhl.index.ProgressivePlan;
import dev.nhl.lucene.NestedCodeField;
import dev.nhl.lucene.NestedHammingQuery;
import dev.nhl.lucene.NhlCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;

/**
 * The main job, end to end on Fashion-MNIST: train a full Nested Hash Layer head on the pixels
 * (8/16/32/64/128 bits), export it to ONNX, encode the 70,000 images with ONNX Runtime, index the
 * 60,000 training codes with nhl's Lucene codec, then query with test images: progressive
 * searches against exact ones, a table of what each stage did, and mAP@100 of both.
 *
 * <p>Usage: {@code FashionJob [--data DIR] [--work DIR] [--epochs N] [--queries N]}.
 */
public final class FashionJob {

  static final String[] CLASSES = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
  };
  static final CodeSpec SPEC = CodeSpec.of(8, 16, 32, 64, 128);
  static final int K = 100;

  private FashionJob() {}

  /** Runs the job; exits 2 with one line of advice when the data is missing. */
  public static void main(String[] args) throws IOException {
    Path data = Path.of("/usr/share/datasets/fashion-mnist");
    Path work = Path.of("target/fashion-job");
    int epochs = 5;
    int queries = 1000;
    for (int i = 0; i < args.length; i += 2) {
      String v = i + 1 < args.length ? args[i + 1] : null;
      if (v == null) {
        fail(args[i] + " needs a value");
      }
      switch (args[i]) {
        case "--data" -> data = Path.of(v);
        case "--work" -> work = Path.of(v);
        case "--epochs" -> epochs = Integer.parseInt(v);
        case "--queries" -> queries = Integer.parseInt(v);
        default -> fail("unknown option " + args[i] + "; options: --data DIR --work DIR --epochs N --queries N");
      }
    }
    for (String f : List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz")) {
      if (!Files.isRegularFile(data.resolve(f))) {
        fail("Fashion-MNIST not found in " + data + ": install it with 'sudo apt-get install -y dataset-fashion-mnist'"
            + " or pass --data DIR");
      }
    }
    run(data, work, epochs, queries);
  }

  private static void fail(String message) {
    System.err.println(message);
    System.exit(2);
  }

  static void run(Path data, Path work, int epochs, int queries) throws IOException {
    long start = System.nanoTime();
    Files.createDirectories(work);
    System.out.println("1/5 reading Fashion-MNIST from " + data);
    IdxFiles.Images train = IdxFiles.readImages(data.resolve("train-images-idx3-ubyte.gz"));
    int[] trainY = IdxFiles.readLabels(data.resolve("train-labels-idx1-ubyte.gz"));
    IdxFiles.Images test = IdxFiles.readImages(data.resolve("t10k-images-idx3-ubyte.gz"));
    int[] testY = IdxFiles.readLabels(data.resolve("t10k-labels-idx1-ubyte.gz"));
    System.out.printf(Locale.ROOT, "    %,d training and %,d test images of %dx%d pixels, %d classes%n",
        train.count(), test.count(), train.rows(), train.cols(), CLASSES.length);

    System.out.printf(Locale.ROOT, "2/5 training a full NHL head (%s bits, hidden layer of 256, %d epochs)%n", SPEC, epochs);
    TrainerConfig config = TrainerConfig.builder(SPEC).hiddenUnits(256).epochs(epochs).patience(epochs).build();
    long t0 = System.nanoTime();
    NhlHead head = new NhlTrainer(config).train(train.pixels(), train.dim(), Labels.single(trainY, 10),
        r -> System.out.println("    " + r));
    System.out.printf(Locale.ROOT, "    trained in %.1f s%n", (System.nanoTime() - t0) / 1e9);

    Path model = work.resolve("fashion-nhl.onnx");
    OnnxModels.write(OnnxModels.head(head), model);
    System.out.printf(Locale.ROOT, "3/5 exported %s (%,d bytes); encoding all images with ONNX Runtime%n", model, Files.size(model));
    byte[][] dbCodes;
    byte[][] queryCodes;
    // -Dnhl.encoder.device=cpu|cuda|auto, as for the command line
    try (FeatureEncoder enc = FeatureEncoder.open(model, Device.fromProperty())) {
      t0 = System.nanoTime();
      dbCodes = enc.encode(train.pixels());
      queryCodes = enc.encode(test.pixels());
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "    %,d images encoded on %s in %.1f s (%,.0f images/s)%n",
          dbCodes.length + queryCodes.length, enc.provider(), s, (dbCodes.length + queryCodes.length) / s);
    }

    Path indexDir = work.resolve("index");
    System.out.println("4/5 indexing the " + String.format(Locale.ROOT, "%,d", dbCodes.length)
        + " training codes with nhl's Lucene codec in " + indexDir);
    try (Directory dir = new MMapDirectory(indexDir)) {
      t0 = System.nanoTime();
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig().setCodec(new NhlCodec())
          .setOpenMode(IndexWriterConfig.OpenMode.CREATE))) {
        for (int i = 0; i < dbCodes.length; i++) {
          Document d = new Document();
          d.add(new StoredField("image", i));
          d.add(new StringField("label", CLASSES[trainY[i]], Field.Store.YES));
          d.add(new NestedCodeField("code", dbCodes[i], SPEC));
          w.addDocument(d);
        }
        w.forceMerge(1);
      }
      long size = 0;
      for (String f : dir.listAll()) {
        size += dir.fileLength(f);
      }
      System.out.printf(Locale.ROOT, "    indexed in %.1f s, %,d bytes%n", (System.nanoTime() - t0) / 1e9, size);
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        search(reader, queryCodes, testY, Math.min(queries, queryCodes.length), trainY);
      }
    }
    System.out.printf(Locale.ROOT, "%ndone in %.0f s%n", (System.nanoTime() - start) / 1e9);
  }

  private static void search(DirectoryReader reader, byte[][] queryCodes, int[] testY, int queries, int[] dbY)
      throws IOException {
    IndexSearcher searcher = new IndexSearcher(reader);
    int[] image = new int[reader.maxDoc()];
    for (int d = 0; d < image.length; d++) {
      image[d] = reader.storedFields().document(d).getField("image").numericValue().intValue();
    }
    // at 60,000 codes the default plan is one exact scan (it reads everything in half a
    // millisecond); this plan shows the nested lengths at work: each stage keeps a quarter
    ProgressivePlan plan = ProgressivePlan.of(new ProgressivePlan.Stage(16, 64 * K), new ProgressivePlan.Stage(32, 16 * K),
        new ProgressivePlan.Stage(64, 4 * K), new ProgressivePlan.Stage(128, K));
    StringBuilder stages = new StringBuilder();
    for (ProgressivePlan.Stage st : plan.stages()) {
      stages.append(stages.isEmpty() ? "" : " -> ").append(String.format(Locale.ROOT, "%d bits keep %,d", st.length(), st.keep()));
    }
    System.out.printf(Locale.ROOT, "5/5 %,d test images as queries, top %d: the default search, exact 128-bit, and "
        + "progressive: %s%n", queries, K, stages);
    // warm-up: the JIT compiles the kernels before anything is timed
    for (int q = 0; q < Math.min(200, queries); q++) {
      searcher.search(NestedHammingQuery.defaults("code", queryCodes[q], K), K);
      searcher.search(NestedHammingQuery.exact("code", queryCodes[q], K), K);
      NestedHammingQuery.approximate("code", queryCodes[q], plan).profile(searcher);
    }
    long defaultNanos = 0;
    double defaultRecall = 0;
    TreeMap<Integer, double[]> perStage = new TreeMap<>();
    long exactNanos = 0;
    long progNanos = 0;
    double apExact = 0;
    double apProg = 0;
    double recall = 0;
    for (int q = 0; q < queries; q++) {
      long t0 = System.nanoTime();
      TopDocs byDefault = searcher.search(NestedHammingQuery.defaults("code", queryCodes[q], K), K);
      defaultNanos += System.nanoTime() - t0;
      t0 = System.nanoTime();
      TopDocs exact = searcher.search(NestedHammingQuery.exact("code", queryCodes[q], K), K);
      exactNanos += System.nanoTime() - t0;
      defaultRecall += recall(exact, byDefault);
      NestedHammingQuery.Profile p = NestedHammingQuery.approximate("code", queryCodes[q], plan).profile(searcher);
      progNanos += p.nanos();
      for (Hits.StageStats s : p.stages()) {
        double[] a = perStage.computeIfAbsent(s.length(), x -> new double[3]);
        a[0] += s.candidates();
        a[1] += s.kept();
        a[2] += s.nanos();
      }
      apExact += averagePrecision(exact, image, dbY, testY[q]);
      apProg += averagePrecision(p.topDocs(), image, dbY, testY[q]);
      recall += recall(exact, p.topDocs());
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "  the default search (NestedHammingQuery.defaults(field, code, k)): %.3f ms a query, "
        + "recall@%d %.3f against exact%n", defaultNanos / 1e6 / queries, K, defaultRecall / queries);
    System.out.println("  (at this size it is one exact pass; progressive stages pay off from millions of codes a "
        + "segment: bench/RESULTS.md)");
    System.out.println();
    System.out.println("  an explicit progressive plan, to show the nested lengths at work, mean per query:");
    System.out.println("    bits   candidates       kept      time");
    perStage.forEach((bits, a) -> System.out.printf(Locale.ROOT, "    %4d  %,11.0f  %,9.0f  %7.3f ms%n",
        bits, a[0] / queries, a[1] / queries, a[2] / queries / 1e6));
    System.out.println();
    System.out.printf(Locale.ROOT, "  time per query: default %.3f ms, exact %.3f ms, this progressive plan %.3f ms%n",
        defaultNanos / 1e6 / queries, exactNanos / 1e6 / queries, progNanos / 1e6 / queries);
    System.out.printf(Locale.ROOT, "  mAP@%d: exact %.4f, progressive %.4f; recall@%d of progressive against exact %.3f%n",
        K, apExact / queries, apProg / queries, K, recall / queries);
  }

  /** AP over a ranked list, the literature's way: mean of precision at each relevant hit. */
  static double averagePrecision(TopDocs hits, int[] image, int[] dbY, int label) {
    int rel = 0;
    double sum = 0;
    ScoreDoc[] sd = hits.scoreDocs;
    for (int i = 0; i < sd.length; i++) {
      if (dbY[image[sd[i].doc]] == label) {
        rel++;
        sum += rel / (double) (i + 1);
      }
    }
    return rel == 0 ? 0 : sum / rel;
  }

  /** Share of the exact hits' distances matched by the progressive hits (ties count either way). */
  static double recall(TopDocs exact, TopDocs prog) {
    int[] e = distances(exact);
    int[] p = distances(prog);
    if (e.length == 0) {
      return 1;
    }
    int kth = e[e.length - 1];
    int atKth = 0;
    for (int d : e) {
      atKth += d == kth ? 1 : 0;
    }
    int below = 0;
    int at = 0;
    for (int d : p) {
      below += d < kth ? 1 : 0;
      at += d == kth ? 1 : 0;
    }
    return (below + Math.min(at, atKth)) / (double) e.length;
  }

  private static int[] distances(TopDocs t) {
    int[] d = new int[t.scoreDocs.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = NestedHammingQuery.distance(t.scoreDocs[i].score);
    }
    Arrays.sort(d);
    return d;
  }

}
