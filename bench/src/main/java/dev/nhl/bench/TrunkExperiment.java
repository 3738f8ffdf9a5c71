package dev.nhl.bench;

import dev.nhl.encoder.TrunkInputs;
import dev.nhl.encoder.image.Preprocessing;
import dev.nhl.encoder.onnx.OnnxModels;
import dev.nhl.encoder.training.Labels;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.encoder.training.NhlTrainer;
import dev.nhl.encoder.training.RetrievalMetrics;
import dev.nhl.encoder.training.TrainerConfig;
import dev.nhl.encoder.training.TrainerConfig.Centres;
import dev.nhl.encoder.training.Trunk;
import dev.nhl.encoder.training.TrunkMaps;
import dev.nhl.index.CodeSpec;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Nested Hash Layer where its mechanism acts: MobileNetV2's last 1x1 convolution (320 → 1280
 * channels over the 7x7 map, from the model's own dequantized weights) trained with the head on
 * Caltech-101, on precomputed views of every training photo (the photo, and mirrored, cropped
 * ones). Arms, for each seed: {@code trunk-full} (one full NHL run, one trunk), {@code trunk-single}
 * (one single-length run per length, each training its own trunk, towards the nested run's
 * centres of its length), {@code frozen-full} (full NHL on the untrained trunk's features). Scored
 * as {@link NhlExperiment} scores: mAP@1000 and mAP@All of the test photos against the training
 * photos, ties in a seeded order; training stops when no length improved for the patience.
 *
 * <p>Usage: {@code TrunkExperiment CALTECH_DIR BACKBONE.onnx FEATURE_TENSOR MAPS_FILE [--seeds
 * 1,2,3] [--views 4] [--epochs 30] [--patience 3] [--arms a,b]}. MAPS_FILE caches the maps
 * (written on the first run, about 430 MB with 4 views).
 */
public final class TrunkExperiment {

  static final CodeSpec SPEC = NhlExperiment.SPEC;
  private static final int MAGIC = 0x4E484C4D;

  private TrunkExperiment() {}

  /** Maps of the training photos (with views) and of the test photos (view 0), with labels. */
  record Data(TrunkMaps train, Labels trainLabels, TrunkMaps test, Labels testLabels) {}

  /** Runs the experiment and prints its tables. */
  public static void main(String[] args) throws IOException {
    if (args.length < 4) {
      System.err.println("usage: TrunkExperiment CALTECH_DIR BACKBONE.onnx FEATURE_TENSOR MAPS_FILE [--seeds 1,2,3]"
          + " [--views 4] [--epochs 30] [--patience 3] [--arms trunk-full,trunk-single,frozen-full]");
      System.exit(2);
    }
    Path root = Path.of(args[0]);
    byte[] backbone = Files.readAllBytes(Path.of(args[1]));
    OnnxModels.TrunkSite site = OnnxModels.trunkSite(backbone, args[2]);
    Path mapsFile = Path.of(args[3]);
    long[] seeds = {1, 2, 3};
    int views = 4;
    int epochs = 30;
    int patience = 3;
    List<String> arms = List.of("trunk-full", "trunk-single", "frozen-full");
    for (int i = 4; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      String v = args[i + 1];
      switch (args[i]) {
        case "--seeds" -> seeds = java.util.Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray();
        case "--views" -> views = Integer.parseInt(v);
        case "--epochs" -> epochs = Integer.parseInt(v);
        case "--patience" -> patience = Integer.parseInt(v);
        case "--arms" -> arms = List.of(v.split(","));
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    long t0 = System.nanoTime();
    Data data = Files.exists(mapsFile) ? read(mapsFile) : extract(root, backbone, site, views, mapsFile);
    System.err.printf(Locale.ROOT, "maps ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    TrainerConfig base = TrainerConfig.builder(SPEC).batchSize(64).learningRate(1e-3).trunkLearningRate(1e-4)
        .epochs(epochs).patience(patience).build();
    System.out.printf(Locale.ROOT, "# Caltech-101, trunk %s (%d -> %d channels at %d places) trained with the head:"
            + " %d training photos x %d views (database: view 0), %d test photos; at most %d epochs, patience %d,"
            + " batch %d, lr %g (trunk %g); seeds %s; %d cores, JDK %s%n",
        site.inputTensor(), site.trunk().inputChannels(), site.trunk().outputChannels(), site.trunk().positions(),
        data.train().items(), data.train().views(), data.test().items(), epochs, patience, base.batchSize(),
        base.learningRate(), base.trunkLearningRate(), java.util.Arrays.toString(seeds),
        Runtime.getRuntime().availableProcessors(), Runtime.version());
    Map<String, List<NhlExperiment.ArmResult>> results = new LinkedHashMap<>();
    for (long seed : seeds) {
      TrainerConfig s = base.withSeed(seed);
      for (String arm : arms) {
        NhlExperiment.ArmResult r = switch (arm) {
          case "trunk-full" -> NhlExperiment.nested(trunkRun(s, data, site.trunk(), seed, arm));
          case "trunk-single" -> {
            NhlExperiment.Run[] runs = new NhlExperiment.Run[SPEC.stages()];
            for (int i = 0; i < runs.length; i++) {
              CodeSpec one = CodeSpec.of(SPEC.length(i));
              runs[i] = trunkRun(s.withSpec(one).withCentres(Centres.NESTED, SPEC).withMode(TrainerConfig.Mode.PLAIN),
                  data, site.trunk(), seed, arm + " " + one);
            }
            yield NhlExperiment.perLength(runs);
          }
          case "frozen-full" -> NhlExperiment.nested(frozenRun(s, data, site.trunk(), seed, arm));
          default -> throw new IllegalArgumentException("unknown arm " + arm);
        };
        results.computeIfAbsent(arm, k -> new ArrayList<>()).add(r);
        System.out.printf(Locale.ROOT, "seed %d %-13s mAP@1000 %s  mAP@All %s  %.1f s  %.1f epochs  weighting %.3f%n",
            seed, arm, NhlExperiment.fmt(r.map1000()), NhlExperiment.fmt(r.mapAll()), r.seconds(), r.epochs(),
            r.weightingShare());
        System.out.flush();
      }
    }
    for (String metric : new String[] {"mAP@1000", "mAP@All"}) {
      System.out.println();
      System.out.println("### " + metric + ", mean ± sd over " + seeds.length + " seeds");
      List<String> rows = new ArrayList<>();
      for (Map.Entry<String, List<NhlExperiment.ArmResult>> e : results.entrySet()) {
        List<double[]> maps = e.getValue().stream().map(r -> metric.equals("mAP@1000") ? r.map1000() : r.mapAll()).toList();
        String label = switch (e.getKey()) {
          case "trunk-full" -> "**NHL full, trunk trained (1 run)**";
          case "trunk-single" -> "single-length, each its own trunk (5 runs)";
          case "frozen-full" -> "NHL full, trunk frozen (1 run)";
          default -> e.getKey();
        };
        rows.add(NhlExperiment.summaryRow(label, maps, e.getValue()));
      }
      NhlExperiment.printSummary(rows);
    }
  }

  private static NhlExperiment.Run trunkRun(TrainerConfig c, Data data, Trunk initial, long seed, String label) {
    List<NhlTrainer.EpochReport> reports = new ArrayList<>();
    long t0 = System.nanoTime();
    NhlTrainer.TrunkAndHead th = new NhlTrainer(c).train(data.train(), initial, data.trainLabels(), r -> {
      reports.add(r);
      System.err.println("seed " + seed + " " + label + ": " + r);
    });
    double seconds = (System.nanoTime() - t0) / 1e9;
    return score(th.trunk(), th.head(), data, seed, seconds, reports);
  }

  private static NhlExperiment.Run frozenRun(TrainerConfig c, Data data, Trunk initial, long seed, String label) {
    List<NhlTrainer.EpochReport> reports = new ArrayList<>();
    float[] features = features(initial, data.train());
    long t0 = System.nanoTime();
    NhlHead head = new NhlTrainer(c).train(features, initial.outputChannels(), data.trainLabels(), r -> {
      reports.add(r);
      System.err.println("seed " + seed + " " + label + ": " + r);
    });
    double seconds = (System.nanoTime() - t0) / 1e9;
    return score(initial, head, data, seed, seconds, reports);
  }

  private static NhlExperiment.Run score(Trunk trunk, NhlHead head, Data data, long seed, double seconds,
      List<NhlTrainer.EpochReport> reports) {
    RetrievalMetrics m = RetrievalMetrics.of(head.encode(features(trunk, data.test())), data.testLabels(),
        head.encode(features(trunk, data.train())), data.trainLabels()).withTiesShuffled(seed);
    int[] lengths = head.spec().lengths();
    double[] m1 = new double[lengths.length];
    double[] ma = new double[lengths.length];
    for (int i = 0; i < lengths.length; i++) {
      double[] both = m.meanAveragePrecision(lengths[i], new int[] {1000, data.trainLabels().size()});
      m1[i] = both[0];
      ma[i] = both[1];
    }
    double share = reports.stream().mapToDouble(NhlTrainer.EpochReport::weightingShare).average().orElse(0);
    return new NhlExperiment.Run(m1, ma, seconds, reports.size(), share);
  }

  /** Every item's features at view 0 through a trunk. */
  static float[] features(Trunk trunk, TrunkMaps maps) {
    int out = trunk.outputChannels();
    float[] f = new float[maps.items() * out];
    for (int from = 0; from < maps.items(); from += 256) {
      int n = Math.min(256, maps.items() - from);
      int[] items = new int[n];
      for (int i = 0; i < n; i++) {
        items[i] = from + i;
      }
      System.arraycopy(trunk.features(maps.maps(items, new int[n])), 0, f, from * out, n * out);
    }
    return f;
  }

  private static Data extract(Path root, byte[] backbone, OnnxModels.TrunkSite site, int views, Path out)
      throws IOException {
    List<String> train = CaltechFeatures.lines(root.resolve("train.txt"));
    List<String> test = CaltechFeatures.lines(root.resolve("test.txt"));
    Map<String, Integer> classes = CaltechFeatures.classes(train);
    int[][] labels = new int[2][];
    TrunkMaps[] maps = new TrunkMaps[2];
    List<List<String>> splits = List.of(train, test);
    for (int s = 0; s < 2; s++) {
      List<String> split = splits.get(s);
      labels[s] = split.stream().mapToInt(r -> classes.get(r.substring(0, r.indexOf('/')))).toArray();
      List<Path> paths = split.stream().map(r -> root.resolve("101_ObjectCategories").resolve(r)).toList();
      long t0 = System.nanoTime();
      maps[s] = TrunkInputs.read(backbone, site, paths, s == 0 ? views : 1, 11, Preprocessing.imagenet());
      System.err.printf(Locale.ROOT, "maps of %d photos x %d views in %.1f s%n", paths.size(), maps[s].views(),
          (System.nanoTime() - t0) / 1e9);
    }
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20))) {
      o.writeInt(MAGIC);
      o.writeInt(classes.size());
      o.writeFloat(site.inputScale());
      o.writeInt(site.inputZeroPoint());
      o.writeBoolean(site.signed());
      for (int s = 0; s < 2; s++) {
        o.writeInt(maps[s].items());
        o.writeInt(maps[s].views());
        o.writeInt(maps[s].mapSize());
        for (int l : labels[s]) {
          o.writeInt(l);
        }
        o.write(maps[s].stored());
      }
    }
    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return read(out);
  }

  private static Data read(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
      if (in.readInt() != MAGIC) {
        throw new IOException(file + " is not a maps file written by TrunkExperiment");
      }
      int classes = in.readInt();
      float scale = in.readFloat();
      int zeroPoint = in.readInt();
      boolean signed = in.readBoolean();
      TrunkMaps[] maps = new TrunkMaps[2];
      Labels[] labels = new Labels[2];
      for (int s = 0; s < 2; s++) {
        int items = in.readInt();
        int views = in.readInt();
        int mapSize = in.readInt();
        int[] l = new int[items];
        for (int i = 0; i < items; i++) {
          l[i] = in.readInt();
        }
        byte[] raw = new byte[Math.multiplyExact(Math.multiplyExact(items, views), mapSize)];
        in.readFully(raw);
        maps[s] = new TrunkMaps(items, views, mapSize, raw, scale, zeroPoint, signed);
        labels[s] = Labels.single(l, classes);
      }
      return new Data(maps[0], labels[0], maps[1], labels[1]);
    }
  }
}
