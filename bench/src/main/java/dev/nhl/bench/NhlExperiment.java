package dev.nhl.bench;

import dev.nhl.encoder.onnx.OnnxModels;
import dev.nhl.encoder.training.IdxFiles;
import dev.nhl.encoder.training.Labels;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.encoder.training.NhlTrainer;
import dev.nhl.encoder.training.Objective;
import dev.nhl.encoder.training.RetrievalMetrics;
import dev.nhl.encoder.training.TrainerConfig;
import dev.nhl.encoder.training.TrainerConfig.Centres;
import dev.nhl.encoder.training.TrainerConfig.Mode;
import dev.nhl.index.CodeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Nested Hash Layer experiment, with fair baselines: for each of several seeds, every arm
 * trains until no length's validation mAP improved for {@code patience} epochs, and is scored by
 * mAP@1000 and mAP over the whole database (mAP@All) of the test queries against the training
 * database, ties in Hamming distance broken by a random order of the database drawn from the run's
 * seed. Tables give mean ± sd over the seeds.
 *
 * <p>Arms (CSQ unless named):
 * <ul>
 *   <li>{@code single-own}: one run per length, each drawing its own centres (the single-length
 *       method);
 *   <li>{@code single-nested}: one run per length, each taking its length's prefix of the centres
 *       of the nested run of the same seed (nested centres);
 *   <li>{@code truncated}: the 128-bit run of {@code single-nested}, its codes cut to each length;
 *   <li>{@code plain}, {@code weighting}, {@code distillation}, {@code full}: one nested run in each
 *       mode, the default centres ({@link Centres#AUTO});
 *   <li>{@code full-other}: full NHL with the other centres than AUTO chose (nested or own);
 *   <li>{@code full-block}, {@code plain-block}: block centres ({@link Centres#BLOCK}, not the
 *       paper's);
 *   <li>{@code dsh-single}, {@code dsh-full}, {@code dhn-single}, {@code dhn-full}: the pairwise
 *       objectives, one run per length and full NHL.
 * </ul>
 *
 * <p>{@code NhlExperiment summary OUTPUT...} prints the tables of several runs' outputs together
 * (for instance one seed a run), from their per-seed lines.
 *
 * <p>Usage: {@code NhlExperiment fashion|caltech FEATURES [--seeds 1,2,3] [--epochs N] [--patience
 * P] [--arms a,b,...] [--pair-sample N] [--save-head FILE]}; {@code --pair-sample} has each DSH or DHN
 * mini-batch pair with N training items drawn at random instead of all (their cost grows with the
 * training set: on Fashion-MNIST's 54,000, minutes an epoch). Fashion-MNIST: pixels, hidden layer of 256 (the Debian
 * package {@code dataset-fashion-mnist}); Caltech-101: MobileNetV2 features written by {@link
 * CaltechFeatures}, linear head. {@code --save-head} writes the first seed's full NHL head as ONNX.
 */
public final class NhlExperiment {

  static final CodeSpec SPEC = CodeSpec.of(8, 16, 32, 64, 128);
  static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
  static final List<String> ARMS = List.of("single-own", "single-nested", "truncated", "plain", "weighting",
      "distillation", "full", "full-other", "full-block", "plain-block", "dsh-single", "dsh-full", "dhn-single",
      "dhn-full");

  private NhlExperiment() {}

  /** A dataset split into training items (the database) and test queries. */
  record Split(String name, float[] train, Labels trainLabels, float[] test, Labels testLabels, int dim) {}

  /**
   * What one run gave: mAP@1000 and mAP@All per length it is scored at (a nested head's lengths; a
   * single-length head's own, or for 128 bits every length of SPEC as a prefix), and its cost.
   */
  record Run(double[] map1000, double[] mapAll, double seconds, int epochs, double weightingShare) {}

  /** One arm's result for one seed: per length of SPEC, and the wall time of all its runs. */
  record ArmResult(double[] map1000, double[] mapAll, double seconds, double epochs, double weightingShare) {}

  /** Runs the experiment and prints its tables. */
  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: NhlExperiment fashion|caltech FEATURES [--seeds 1,2,3] [--epochs N] [--patience P]"
          + " [--arms a,b] [--save-head FILE]");
      System.exit(2);
    }
    if (args[0].equals("summary")) {
      summary(java.util.Arrays.stream(args, 1, args.length).map(Path::of).toList());
      return;
    }
    Split split;
    TrainerConfig.Builder config = TrainerConfig.builder(SPEC).objective(Objective.CSQ);
    int epochs;
    int next;
    if (args[0].equals("fashion")) {
      split = fashion(FASHION);
      epochs = 40;
      next = 1;
      config.hiddenUnits(256).batchSize(128).learningRate(1e-3);
    } else if (args[0].equals("caltech") && args.length > 1) {
      split = CaltechFeatures.read(Path.of(args[1]));
      epochs = 100;
      next = 2;
      config.batchSize(64).learningRate(1e-3);
    } else {
      throw new IllegalArgumentException("dataset must be fashion or caltech FEATURES, got " + String.join(" ", args));
    }
    Path saveHead = null;
    int patience = 5;
    long[] seeds = {1, 2, 3};
    List<String> arms = ARMS;
    int pairSample = 0;
    for (int i = next; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      String v = args[i + 1];
      switch (args[i]) {
        case "--epochs" -> epochs = Integer.parseInt(v);
        case "--patience" -> patience = Integer.parseInt(v);
        case "--seeds" -> seeds = java.util.Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray();
        case "--arms" -> arms = List.of(v.split(","));
        case "--save-head" -> saveHead = Path.of(v);
        case "--pair-sample" -> pairSample = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    for (String a : arms) {
      if (!ARMS.contains(a)) {
        throw new IllegalArgumentException("unknown arm " + a + "; arms are " + ARMS);
      }
    }
    TrainerConfig base = config.epochs(epochs).patience(patience).pairSample(pairSample).build();
    Centres auto = Centres.AUTO.resolve(split.trainLabels().classes(), SPEC.length(0)) == Centres.NESTED
        ? Centres.NESTED : Centres.INDEPENDENT;
    Centres other = auto == Centres.NESTED ? Centres.INDEPENDENT : Centres.NESTED;
    System.out.printf(Locale.ROOT, "# %s: %d training items (database), %d test queries, %d features; at most %d epochs,"
            + " patience %d, batch %d, lr %g, hidden %d; DSH/DHN pairs per item %s; seeds %s; default centres here: %s;"
            + " %d cores, JDK %s%n",
        split.name(), split.trainLabels().size(), split.testLabels().size(), split.dim(), epochs, patience,
        base.batchSize(), base.learningRate(), base.hiddenUnits(), pairSample == 0 ? "all" : pairSample,
        java.util.Arrays.toString(seeds),
        auto.name().toLowerCase(Locale.ROOT), Runtime.getRuntime().availableProcessors(), Runtime.version());

    Map<String, List<ArmResult>> results = new LinkedHashMap<>();
    for (long seed : seeds) {
      TrainerConfig s = base.withSeed(seed);
      Map<String, ArmResult> bySeed = new LinkedHashMap<>();
      Run[] singleNested = null;
      for (String arm : arms) {
        ArmResult r = switch (arm) {
          case "single-own" -> single(s, Centres.INDEPENDENT, split, seed, arm);
          case "single-nested", "truncated" -> {
            if (singleNested == null) {
              singleNested = singles(s.withCentres(Centres.NESTED, SPEC), split, seed, "single-nested");
            }
            yield arm.equals("truncated") ? truncated(singleNested) : perLength(singleNested);
          }
          case "plain" -> nested(s.withMode(Mode.PLAIN), split, seed, arm);
          case "weighting" -> nested(s.withMode(Mode.WEIGHTED), split, seed, arm);
          case "distillation" -> nested(s.withMode(Mode.DISTILLED), split, seed, arm);
          case "full" -> {
            ArmResult full = nested(s, split, seed, arm);
            if (saveHead != null && seed == seeds[0]) {
              OnnxModels.write(OnnxModels.head(new NhlTrainer(s).train(split.train(), split.dim(), split.trainLabels(),
                  null)), saveHead);
            }
            yield full;
          }
          case "full-other" -> nested(s.withCentres(other, SPEC), split, seed, arm);
          case "full-block" -> nested(s.withCentres(Centres.BLOCK, SPEC), split, seed, arm);
          case "plain-block" -> nested(s.withMode(Mode.PLAIN).withCentres(Centres.BLOCK, SPEC), split, seed, arm);
          case "dsh-single" -> perLength(singles(s.withObjective(Objective.DSH), split, seed, arm));
          case "dsh-full" -> nested(s.withObjective(Objective.DSH), split, seed, arm);
          case "dhn-single" -> perLength(singles(s.withObjective(Objective.DHN), split, seed, arm));
          case "dhn-full" -> nested(s.withObjective(Objective.DHN), split, seed, arm);
          default -> throw new IllegalStateException(arm);
        };
        bySeed.put(arm, r);
        results.computeIfAbsent(arm, k -> new ArrayList<>()).add(r);
        System.out.printf(Locale.ROOT, "seed %d %-14s mAP@1000 %s  mAP@All %s  %.1f s  %.1f epochs  weighting %.3f%n",
            seed, arm, fmt(r.map1000()), fmt(r.mapAll()), r.seconds(), r.epochs(), r.weightingShare());
        System.out.flush();
      }
    }
    tables(results, seeds.length, auto, other);
  }

  private static void tables(Map<String, List<ArmResult>> results, int seeds, Centres auto, Centres other) {
    for (String metric : new String[] {"mAP@1000", "mAP@All"}) {
      System.out.println();
      System.out.println("### " + metric + ", mean ± sd over " + seeds + " seeds");
      List<String> rows = new ArrayList<>();
      for (Map.Entry<String, List<ArmResult>> e : results.entrySet()) {
        List<double[]> maps = e.getValue().stream().map(r -> metric.equals("mAP@1000") ? r.map1000() : r.mapAll()).toList();
        rows.add(summaryRow(label(e.getKey(), auto, other), maps, e.getValue()));
      }
      printSummary(rows);
    }
  }

  private static final java.util.regex.Pattern SEED_LINE = java.util.regex.Pattern.compile(
      "seed (\\d+) (\\S+)\\s+mAP@1000 ([\\d. ]+?)\\s+mAP@All ([\\d. ]+?)\\s+([\\d.]+) s\\s+([\\d.]+) epochs"
          + "\\s+weighting ([\\d.]+)");

  /**
   * The tables of the per-seed lines of earlier runs' outputs (runs of some seeds each, of one
   * dataset and protocol), as one run of all those seeds would print them, up to the rounding of
   * those lines (four decimals, tenths of seconds): a last digit may differ by one.
   */
  static void summary(List<Path> outputs) throws IOException {
    Map<String, List<ArmResult>> results = new LinkedHashMap<>();
    java.util.Set<String> seeds = new java.util.TreeSet<>();
    Centres auto = null;
    for (Path p : outputs) {
      for (String line : Files.readAllLines(p)) {
        int at = line.indexOf("default centres here: ");
        if (at >= 0) {
          Centres c = Centres.valueOf(line.substring(at + 22).split(";")[0].trim().toUpperCase(Locale.ROOT));
          if (auto != null && auto != c) {
            throw new IllegalArgumentException("outputs of different datasets: default centres " + auto + " and " + c);
          }
          auto = c;
        }
        java.util.regex.Matcher m = SEED_LINE.matcher(line);
        if (m.matches()) {
          seeds.add(m.group(1));
          results.computeIfAbsent(m.group(2), k -> new ArrayList<>()).add(new ArmResult(numbers(m.group(3)),
              numbers(m.group(4)), Double.parseDouble(m.group(5)), Double.parseDouble(m.group(6)),
              Double.parseDouble(m.group(7))));
        }
      }
    }
    if (auto == null || results.isEmpty()) {
      throw new IllegalArgumentException("no NhlExperiment output in " + outputs);
    }
    System.out.println("# " + outputs + ": seeds " + seeds);
    tables(results, seeds.size(), auto, auto == Centres.NESTED ? Centres.INDEPENDENT : Centres.NESTED);
  }

  private static double[] numbers(String s) {
    return java.util.Arrays.stream(s.trim().split("\\s+")).mapToDouble(Double::parseDouble).toArray();
  }

  private static String label(String arm, Centres auto, Centres other) {
    String c = auto.name().toLowerCase(Locale.ROOT);
    return switch (arm) {
      case "single-own" -> "single-length, own centres (5 runs)";
      case "single-nested" -> "single-length, nested centres (5 runs)";
      case "truncated" -> "128-bit run (nested centres), truncated";
      case "plain" -> "NHL plain, " + c + " centres";
      case "weighting" -> "NHL + weighting, " + c + " centres";
      case "distillation" -> "NHL + distillation, " + c + " centres";
      case "full" -> "**NHL full, " + c + " centres**";
      case "full-other" -> "NHL full, " + other.name().toLowerCase(Locale.ROOT) + " centres";
      case "full-block" -> "NHL full, block centres (not the paper's)";
      case "plain-block" -> "NHL plain, block centres (not the paper's)";
      case "dsh-single" -> "DSH single-length (5 runs)";
      case "dsh-full" -> "DSH, NHL full";
      case "dhn-single" -> "DHN single-length (5 runs)";
      case "dhn-full" -> "DHN, NHL full";
      default -> arm;
    };
  }

  /** One single-length run per length, each with its own centres drawn as {@code how} says. */
  private static ArmResult single(TrainerConfig s, Centres how, Split split, long seed, String arm) {
    Run[] runs = new Run[SPEC.stages()];
    for (int i = 0; i < runs.length; i++) {
      CodeSpec one = CodeSpec.of(SPEC.length(i));
      runs[i] = run(s.withSpec(one).withCentres(how, one).withMode(Mode.PLAIN), split, seed, arm + " " + one);
    }
    return perLength(runs);
  }

  /** One single-length run per length, with the centres (and centre spec) the config has. */
  private static Run[] singles(TrainerConfig s, Split split, long seed, String arm) {
    Run[] runs = new Run[SPEC.stages()];
    for (int i = 0; i < runs.length; i++) {
      CodeSpec one = CodeSpec.of(SPEC.length(i));
      TrainerConfig c = s.withSpec(one).withCentres(s.centres(), s.centreSpec().equals(SPEC) ? SPEC : one)
          .withMode(Mode.PLAIN);
      runs[i] = run(c, split, seed, arm + " " + one);
    }
    return runs;
  }

  static ArmResult perLength(Run[] runs) {
    double[] m1 = new double[runs.length];
    double[] ma = new double[runs.length];
    double seconds = 0;
    double epochs = 0;
    for (int i = 0; i < runs.length; i++) {
      // a run's own length is its longest: the last score (a 128-bit run is also scored at its prefixes)
      m1[i] = runs[i].map1000()[runs[i].map1000().length - 1];
      ma[i] = runs[i].mapAll()[runs[i].mapAll().length - 1];
      seconds += runs[i].seconds();
      epochs += runs[i].epochs();
    }
    return new ArmResult(m1, ma, seconds, epochs / runs.length, 0);
  }

  /** The longest single-length run, its codes cut to every length. */
  private static ArmResult truncated(Run[] runs) {
    Run longest = runs[runs.length - 1];
    return new ArmResult(longest.map1000(), longest.mapAll(), longest.seconds(), longest.epochs(), 0);
  }

  private static ArmResult nested(TrainerConfig c, Split split, long seed, String arm) {
    return nested(run(c, split, seed, arm));
  }

  /** A nested run's scores as an arm's. */
  static ArmResult nested(Run r) {
    return new ArmResult(r.map1000(), r.mapAll(), r.seconds(), r.epochs(), r.weightingShare());
  }

  /**
   * Trains one head and scores it at every length of SPEC its codes reach (a single-length head of
   * 128 bits is also scored at its prefixes; one of fewer bits at its own length only).
   */
  static Run run(TrainerConfig c, Split split, long seed, String label) {
    List<NhlTrainer.EpochReport> reports = new ArrayList<>();
    long t0 = System.nanoTime();
    NhlHead head = new NhlTrainer(c).train(split.train(), split.dim(), split.trainLabels(), r -> {
      reports.add(r);
      System.err.println("seed " + seed + " " + label + ": " + r);
    });
    double seconds = (System.nanoTime() - t0) / 1e9;
    RetrievalMetrics m = RetrievalMetrics.of(head.encode(split.test()), split.testLabels(),
        head.encode(split.train()), split.trainLabels()).withTiesShuffled(seed);
    int[] lengths = head.spec().stages() > 1 || head.spec().maxBits() == SPEC.maxBits()
        ? java.util.Arrays.stream(SPEC.lengths()).filter(k -> k <= head.spec().maxBits()).toArray()
        : head.spec().lengths();
    double[] m1 = new double[lengths.length];
    double[] ma = new double[lengths.length];
    for (int i = 0; i < lengths.length; i++) {
      double[] both = m.meanAveragePrecision(lengths[i], new int[] {1000, split.trainLabels().size()});
      m1[i] = both[0];
      ma[i] = both[1];
    }
    double share = reports.stream().mapToDouble(NhlTrainer.EpochReport::weightingShare).average().orElse(0);
    return new Run(m1, ma, seconds, reports.size(), share);
  }

  static String fmt(double[] maps) {
    StringBuilder sb = new StringBuilder();
    for (double m : maps) {
      sb.append(String.format(Locale.ROOT, " %.4f", m));
    }
    return sb.toString().trim();
  }

  /** A markdown row of mean ± sd per length, the average's mean ± sd, wall time, epochs, weighting share. */
  static String summaryRow(String label, List<double[]> maps, List<ArmResult> runs) {
    StringBuilder sb = new StringBuilder("| ").append(label).append(" |");
    int n = maps.size();
    double[] averages = new double[n];
    for (int i = 0; i < SPEC.stages(); i++) {
      double[] v = new double[n];
      for (int s = 0; s < n; s++) {
        v[s] = maps.get(s)[i];
        averages[s] += maps.get(s)[i] / SPEC.stages();
      }
      sb.append(' ').append(meanSd(v, 4)).append(" |");
    }
    sb.append(' ').append(meanSd(averages, 4)).append(" |");
    sb.append(' ').append(meanSd(runs.stream().mapToDouble(ArmResult::seconds).toArray(), 1)).append(" s |");
    sb.append(String.format(Locale.ROOT, " %.1f |", runs.stream().mapToDouble(ArmResult::epochs).average().orElse(0)));
    double share = runs.stream().mapToDouble(ArmResult::weightingShare).average().orElse(0);
    sb.append(share > 0 ? String.format(Locale.ROOT, " %.1f%% |", 100 * share) : " – |");
    return sb.toString();
  }

  static String meanSd(double[] v, int decimals) {
    double mean = java.util.Arrays.stream(v).average().orElse(0);
    double ss = 0;
    for (double x : v) {
      ss += (x - mean) * (x - mean);
    }
    double sd = v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0;
    String f = "%." + decimals + "f";
    return String.format(Locale.ROOT, f + " ± " + f, mean, sd);
  }

  static void printSummary(List<String> rows) {
    StringBuilder header = new StringBuilder("| method |");
    StringBuilder rule = new StringBuilder("| --- |");
    for (int bits : SPEC.lengths()) {
      header.append(' ').append(bits).append(" bits |");
      rule.append(" ---: |");
    }
    System.out.println(header + " average | wall time | epochs | batches reweighted |");
    System.out.println(rule + " ---: | ---: | ---: | ---: |");
    rows.forEach(System.out::println);
  }

  /** A markdown table of mAP per length: method, one column per length, average, and a last column. */
  static void printTable(List<String> rows, String last, String lastRule) {
    StringBuilder header = new StringBuilder("| method |");
    StringBuilder rule = new StringBuilder("| --- |");
    for (int bits : SPEC.lengths()) {
      header.append(' ').append(bits).append(" bits |");
      rule.append(" ---: |");
    }
    System.out.println();
    System.out.println(header + " average | " + last + " |");
    System.out.println(rule + " ---: | " + lastRule + " |");
    rows.forEach(System.out::println);
  }

  /** mAP@1000 of the test queries against the training database, per length of the head's spec. */
  static double[] evaluate(NhlHead head, Split split) {
    RetrievalMetrics m = RetrievalMetrics.of(head.encode(split.test()), split.testLabels(),
        head.encode(split.train()), split.trainLabels());
    double[] maps = new double[head.spec().stages()];
    for (int i = 0; i < maps.length; i++) {
      maps[i] = m.meanAveragePrecision(head.spec().length(i), 1000);
    }
    return maps;
  }

  static Split fashion(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("Fashion-MNIST not found in " + dir + ": apt-get install -y dataset-fashion-mnist");
    }
    IdxFiles.Images train = IdxFiles.readImages(dir.resolve("train-images-idx3-ubyte.gz"));
    int[] trainY = IdxFiles.readLabels(dir.resolve("train-labels-idx1-ubyte.gz"));
    IdxFiles.Images test = IdxFiles.readImages(dir.resolve("t10k-images-idx3-ubyte.gz"));
    int[] testY = IdxFiles.readLabels(dir.resolve("t10k-labels-idx1-ubyte.gz"));
    return new Split("Fashion-MNIST (pixels)", train.pixels(), Labels.single(trainY, 10), test.pixels(),
        Labels.single(testY, 10), train.dim());
  }
}
