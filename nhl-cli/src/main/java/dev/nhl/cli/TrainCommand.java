package dev.nhl.cli;

import dev.nhl.encoder.ImageEncoder;
import dev.nhl.encoder.TrunkInputs;
import dev.nhl.encoder.image.Preprocessing;
import dev.nhl.encoder.onnx.OnnxModels;
import dev.nhl.encoder.training.BackboneLabels;
import dev.nhl.encoder.training.IdxFiles;
import dev.nhl.encoder.training.LabelFreeTrainer;
import dev.nhl.encoder.training.Labels;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.encoder.training.NhlTrainer;
import dev.nhl.encoder.training.Objective;
import dev.nhl.encoder.training.TrainerConfig;
import dev.nhl.encoder.training.TrunkMaps;
import dev.nhl.index.CodeSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nhl train}: a head from photos in class folders (through a backbone) or from IDX pixels. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Train a Nested Hash Layer head and write it as ONNX.",
        "From photos: each photo of --images DIR goes through --backbone, cut at --feature-tensor, and --out is the "
            + "backbone and head composed (image to codes), ready for 'nhl index'. Labels: one folder per class; a "
            + "folder not sorted into classes trains without labels, from the photos' own neighbourhoods (--labels "
            + "NEIGHBOURS), or on the backbone's own classifier (--labels BACKBONE).",
        "From IDX files (MNIST-style pixels): --idx-images and --idx-labels; --out is the head alone."})
final class TrainCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  static final class Source {
    @ArgGroup(exclusive = false, multiplicity = "1")
    PhotoSource photos;

    @ArgGroup(exclusive = false, multiplicity = "1")
    Idx idx;
  }

  /** Where the labels of photos come from. */
  enum LabelSource {
    /** Folders when the photos are in two or more class folders and none lie loose; otherwise neighbourhoods. */
    AUTO,
    /** Each photo's folder is its class. */
    FOLDERS,
    /** The backbone's classifier labels each photo (see {@link BackboneLabels}). */
    BACKBONE,
    /** No labels: codes that keep the photos' neighbourhoods (see {@link LabelFreeTrainer}). */
    NEIGHBOURS
  }

  static final class PhotoSource {
    @Option(names = "--images", required = true, description = "folder of photos: one folder per class, or unsorted")
    Path images;

    @Option(names = "--labels", defaultValue = "AUTO",
        description = "AUTO, FOLDERS, NEIGHBOURS or BACKBONE: class folders; no labels, the photos' own neighbourhoods; "
            + "or the backbone's classifier. AUTO takes folders when the photos are in two or more subfolders and none "
            + "lie loose, NEIGHBOURS otherwise (default: ${DEFAULT-VALUE})")
    LabelSource labels;

    @Option(names = "--neighbours", defaultValue = "10",
        description = "neighbours of each photo in the graph of --labels NEIGHBOURS (default: ${DEFAULT-VALUE})")
    int neighbours;

    @Option(names = "--score-tensor", defaultValue = "output",
        description = "backbone tensor of class scores for --labels BACKBONE (default: ${DEFAULT-VALUE}, MobileNetV2's "
            + "1000 ImageNet logits)")
    String scoreTensor;

    @Option(names = "--label-threshold", defaultValue = "0.2",
        description = "probability a backbone class needs to label a photo (default: ${DEFAULT-VALUE})")
    double labelThreshold;

    @Option(names = "--max-labels", defaultValue = "3",
        description = "most backbone classes a photo is labelled with (default: ${DEFAULT-VALUE})")
    int maxLabels;

    @Option(names = "--show-labels", description = "print the labels the backbone gave each photo")
    boolean showLabels;

    @Option(names = "--class-names",
        description = "file with the backbone's class names, one a line in class order (for --show-labels; for "
            + "MobileNetV2, the ONNX Model Zoo's synset.txt)")
    Path classNames;

    @Option(names = "--backbone", required = true, description = "backbone ONNX model (e.g. mobilenetv2-12-int8.onnx)")
    Path backbone;

    @Option(names = "--feature-tensor", defaultValue = "627",
        description = "backbone tensor to cut at, pooled if spatial (default: ${DEFAULT-VALUE}, MobileNetV2's feature map)")
    String featureTensor;

    @Option(names = "--train-trunk",
        description = "also train the backbone's last 1x1 convolution (the one giving --feature-tensor) with the head, "
            + "on --views views of every photo; the written model carries the trained convolution")
    boolean trainTrunk;

    @Option(names = "--views", defaultValue = "4",
        description = "views of every photo for --train-trunk: the photo and mirrored, cropped ones (default: ${DEFAULT-VALUE})")
    int views;

    @Option(names = "--trunk-learning-rate", defaultValue = "1e-4",
        description = "Adam's step size for the trunk with --train-trunk (default: ${DEFAULT-VALUE})")
    double trunkLearningRate;
  }

  static final class Idx {
    @Option(names = "--idx-images", required = true, description = "IDX3 image file (plain or .gz)")
    Path images;

    @Option(names = "--idx-labels", required = true, description = "IDX1 label file (plain or .gz)")
    Path labels;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(names = {"-o", "--out"}, required = true, description = "ONNX model to write")
  Path out;

  @Option(names = "--bits", defaultValue = "8,16,32,64,128", description = "nested code lengths (default: ${DEFAULT-VALUE})")
  String bits;

  @Option(names = "--epochs", defaultValue = "40", description = "maximum epochs (default: ${DEFAULT-VALUE})")
  int epochs;

  @Option(names = "--hidden", description = "hidden layer units (default: 0 for photos, 256 for IDX pixels)")
  Integer hidden;

  @Option(names = "--objective", defaultValue = "CSQ", description = "CSQ, DSH or DHN (default: ${DEFAULT-VALUE})")
  Objective objective;

  @Option(names = "--mode", defaultValue = "FULL", description = "PLAIN, WEIGHTED, DISTILLED or FULL (default: ${DEFAULT-VALUE})")
  TrainerConfig.Mode mode;

  @Option(names = "--max-pixels", defaultValue = "1000000000",
      description = "photos that declare more pixels are skipped with a message; larger ones below it are decoded "
          + "reduced to what the model needs (default: ${DEFAULT-VALUE})")
  long maxPixels;

  @Option(names = "--seed", defaultValue = "42", description = "random seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CodeSpec codeSpec = BadInput.of(() -> CodeSpec.parse(bits));
    float[] features;
    int dim;
    Labels labels;
    byte[] backbone = null;
    OnnxModels.TrunkSite site = null;
    List<Path> trained = null;
    if (source.photos != null) {
      PhotoSource p = source.photos;
      if (!Files.isDirectory(p.images)) {
        throw new java.nio.file.NotDirectoryException(p.images + " is not a folder of photos");
      }
      if (p.trainTrunk) {
        if (p.views < 1) {
          throw new BadInput("--views must be at least 1, got " + p.views);
        }
        // before the long part: the backbone must have a trunk there
        site = BadInput.of(() -> OnnxModels.trunkSite(Files.readAllBytes(p.backbone), p.featureTensor));
      }
      // checked before the long part, whichever labels are used
      BackboneLabels.Options labelOptions = new BackboneLabels.Options(p.labelThreshold, p.maxLabels);
      Folders folders = Folders.of(p.images);
      LabelSource how = switch (p.labels) {
        case AUTO -> folders.classes().size() >= 2 && folders.loose() == 0 ? LabelSource.FOLDERS : LabelSource.NEIGHBOURS;
        default -> p.labels;
      };
      boolean byFolder = how == LabelSource.FOLDERS;
      boolean labelFree = how == LabelSource.NEIGHBOURS;
      LabelFreeTrainer.Options labelFreeOptions = LabelFreeTrainer.Options.DEFAULTS.withNeighbours(p.neighbours)
          .withSeed(seed);
      if (labelFree && p.trainTrunk) {
        throw new BadInput("--train-trunk needs labels: class folders (--labels FOLDERS) or the "
            + "backbone's (--labels BACKBONE); training without labels (--labels NEIGHBOURS) trains the head only");
      }
      List<Path> files;
      if (byFolder) {
        if (folders.classes().size() < 2) {
          throw new BadInput(p.images + " must hold at least two class folders of photos, found "
              + folders.classes().size() + "; without classes, train with --labels BACKBONE");
        }
        files = folders.files();
        out.printf(Locale.ROOT, "%d photos in %d classes (their folders); extracting features with %s at tensor %s%n",
            files.size(), folders.classes().size(), p.backbone, p.featureTensor);
      } else if (labelFree) {
        files = Photos.list(p.images);
        if (files.size() < LabelFreeTrainer.MIN_ITEMS) {
          throw new BadInput(p.images + " holds " + files.size() + " photos; training without labels "
              + "needs at least " + LabelFreeTrainer.MIN_ITEMS);
        }
        // the extractor's pace on 2 cores is about 200 photos a second; the forecast says what to expect, not more
        out.printf(Locale.ROOT, "%d photos, no class folders: training without labels, codes that keep each photo's "
                + "%d nearest neighbours close (neighbour graph, spectral embedding, nested ITQ, then a head of %,d "
                + "hidden units refined towards the graph and each photo's look-alikes)%n", files.size(),
            p.neighbours, labelFreeOptions.hidden());
        out.printf(Locale.ROOT, "expect about %s for the features (%s at tensor %s) and %s for training%n",
            duration(files.size() / 200.0), p.backbone, p.featureTensor,
            duration(LabelFreeTrainer.estimatedSeconds(files.size(),
                BadInput.of(() -> OnnxModels.featureDim(Files.readAllBytes(p.backbone), p.featureTensor)), codeSpec, labelFreeOptions)));
      } else {
        files = Photos.list(p.images);
        if (files.size() < 2) {
          throw new BadInput(p.images + " holds " + files.size() + " photos; training needs at least two");
        }
        out.printf(Locale.ROOT, "%d photos, labelled by the backbone's classifier (tensor %s, p >= %s, at most %d "
                + "labels a photo); extracting features with %s at tensor %s%n", files.size(), p.scoreTensor,
            p.labelThreshold, p.maxLabels, p.backbone, p.featureTensor);
      }
      backbone = Files.readAllBytes(p.backbone);
      byte[] backboneBytes = backbone;
      boolean featuresOnly = byFolder || labelFree;
      Path extractor = Files.createTempFile("nhl-features", ".onnx");
      List<float[]> rows = new ArrayList<>();
      List<Integer> kept = new ArrayList<>();
      int rowDim;
      try {
        OnnxModels.write(BadInput.of(() -> featuresOnly ? OnnxModels.featureExtractor(backboneBytes, p.featureTensor)
            : OnnxModels.featureExtractor(backboneBytes, p.featureTensor, p.scoreTensor)), extractor);
        try (ImageEncoder enc = ImageEncoder.open(extractor, ImageEncoder.Options.defaults().withMaxPixels(maxPixels))) {
          Progress bar = new Progress(System.err, "features", files.size());
          int[] i = {0};
          enc.encode(files, r -> {
            if (r.ok()) {
              rows.add(r.outputs());
              kept.add(i[0]);
            } else {
              err.println("skipped " + r.path() + ": " + r.error());
            }
            i[0]++;
            bar.step();
          });
          rowDim = enc.outputDim();
        }
      } finally {
        Files.deleteIfExists(extractor);
      }
      dim = featuresOnly ? rowDim : BadInput.of(() -> OnnxModels.featureDim(backboneBytes, p.featureTensor));
      if (labelFree) {
        if (rows.size() < LabelFreeTrainer.MIN_ITEMS) {
          throw new BadInput(rows.size() + " of " + files.size() + " photos could be read; training "
              + "without labels needs at least " + LabelFreeTrainer.MIN_ITEMS);
        }
        out.printf(Locale.ROOT, "training without labels, %s bits, %d photos of %d features%n", codeSpec, rows.size(), dim);
        NhlHead head = new LabelFreeTrainer(labelFreeOptions).train(concat(rows, dim, null), dim, codeSpec,
            line -> out.println("  " + line));
        byte[] model = OnnxModels.compose(backbone, p.featureTensor, head);
        OnnxModels.write(model, out());
        out.printf(Locale.ROOT, "wrote %s (%,d bytes)%n", this.out, model.length);
        return 0;
      }
      if (byFolder) {
        features = concat(rows, dim, null);
        labels = Labels.single(kept.stream().mapToInt(j -> folders.classOf()[j]).toArray(), folders.classes().size());
        trained = kept.stream().map(files::get).toList();
      } else {
        float[] all = concat(rows, rowDim, null);
        BackboneLabels derived = BackboneLabels.derive(all, rows.size(), rowDim, dim, rowDim - dim, labelOptions);
        if (p.showLabels) {
          showLabels(out, derived, kept.stream().map(files::get).toList(), classNames(p.classNames));
        }
        int[] labelled = derived.labelled();
        out.printf(Locale.ROOT, "%d of %d photos labelled by the backbone, %d classes, %.2f labels a photo%s%n",
            labelled.length, rows.size(), derived.classesInUse(), derived.labelsPerPhoto(),
            labelled.length < rows.size() ? " (the others are encoded but not trained on)" : "");
        if (labelled.length < 2 || derived.classesInUse() < 2) {
          throw new BadInput("the backbone labelled " + labelled.length + " photos with "
              + derived.classesInUse() + " classes at --label-threshold " + p.labelThreshold
              + "; training needs two photos and two classes: lower the threshold");
        }
        features = concat(rows, dim, labelled);
        labels = derived.labels();
        trained = java.util.Arrays.stream(labelled).mapToObj(j -> files.get(kept.get(j))).toList();
      }
    } else {
      IdxFiles.Images images = IdxFiles.readImages(source.idx.images);
      int[] y = IdxFiles.readLabels(source.idx.labels);
      if (y.length != images.count()) {
        throw new BadInput(images.count() + " images but " + y.length + " labels");
      }
      features = images.pixels();
      dim = images.dim();
      labels = Labels.single(y, java.util.Arrays.stream(y).max().orElse(0) + 1);
    }
    int hiddenUnits = hidden != null ? hidden : source.photos != null ? 0 : 256;
    TrainerConfig config = TrainerConfig.builder(codeSpec).objective(objective).mode(mode).hiddenUnits(hiddenUnits)
        .epochs(epochs).batchSize(Math.min(128, Math.max(2, labels.size() / 8))).seed(seed)
        .trunkLearningRate(source.photos != null ? source.photos.trunkLearningRate : 1e-4).build();
    byte[] model;
    if (site != null) {
      PhotoSource p = source.photos;
      out.printf(Locale.ROOT, "reading the maps before the trunk (tensor %s) of %d photos, %d views each%n",
          site.inputTensor(), trained.size(), p.views);
      TrunkMaps maps = TrunkInputs.read(backbone, site, trained, p.views, seed, Preprocessing.imagenet());
      out.printf(Locale.ROOT, "training %s %s head with the trunk (%d -> %d channels), %s bits, %d items%n", mode,
          objective, site.trunk().inputChannels(), site.trunk().outputChannels(), codeSpec, labels.size());
      NhlTrainer.TrunkAndHead th = new NhlTrainer(config).train(maps, site.trunk(), labels, r -> out.println("  " + r));
      model = OnnxModels.compose(backbone, site, th.trunk(), th.head());
    } else {
      out.printf(Locale.ROOT, "training %s %s head, %s bits, %d items of %d features%n", mode, objective, codeSpec,
          labels.size(), dim);
      NhlHead head = new NhlTrainer(config).train(features, dim, labels, r -> out.println("  " + r));
      model = backbone != null ? OnnxModels.compose(backbone, source.photos.featureTensor, head) : OnnxModels.head(head);
    }
    OnnxModels.write(model, out());
    out.printf(Locale.ROOT, "wrote %s (%,d bytes)%n", this.out, model.length);
    return 0;
  }

  private Path out() {
    return out;
  }

  /** A forecast as a person reads it: seconds below two minutes, minutes after. */
  static String duration(double seconds) {
    if (seconds < 120) {
      return Math.max(1, Math.round(seconds)) + " s";
    }
    return Math.round(seconds / 60) + " min";
  }

  /** The first {@code dim} values of the chosen rows (all when {@code pick} is null), one array. */
  private static float[] concat(List<float[]> rows, int dim, int[] pick) {
    int n = pick == null ? rows.size() : pick.length;
    float[] out = new float[n * dim];
    for (int i = 0; i < n; i++) {
      System.arraycopy(rows.get(pick == null ? i : pick[i]), 0, out, i * dim, dim);
    }
    return out;
  }

  private static List<String> classNames(Path file) throws IOException {
    if (file == null) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        // synset.txt style, "n01440764 tench, Tinca tinca": the WordNet id is dropped
        String t = line.strip();
        names.add(t.matches("n\\d{8} .*") ? t.substring(10) : t);
      }
    }
    return names;
  }

  private static void showLabels(PrintWriter out, BackboneLabels d, List<Path> files, List<String> names) {
    out.println("labels from the backbone (class: probability):");
    for (int i = 0; i < d.size(); i++) {
      int[] cs = d.classes(i);
      float[] ps = d.probabilities(i);
      StringBuilder sb = new StringBuilder("  ").append(files.get(i)).append(':');
      if (cs.length == 0) {
        sb.append(" none (no class reaches the threshold)");
      }
      for (int j = 0; j < cs.length; j++) {
        String name = cs[j] < names.size() ? names.get(cs[j]) : "class " + cs[j];
        sb.append(j > 0 ? ";" : "").append(' ').append(name).append(String.format(Locale.ROOT, ": %.2f", ps[j]));
      }
      out.println(sb);
    }
  }

  /** A folder's photos by class folder: each immediate subfolder holding photos is a class. */
  record Folders(List<String> classes, List<Path> files, int[] classOf, int loose) {
    static Folders of(Path root) throws IOException {
      List<String> classes = new ArrayList<>();
      List<Path> files = new ArrayList<>();
      List<Integer> classOf = new ArrayList<>();
      int loose = 0;
      try (var entries = Files.list(root)) {
        for (Path e : entries.sorted().toList()) {
          if (Files.isDirectory(e)) {
            List<Path> imgs = Photos.list(e);
            if (!imgs.isEmpty()) {
              classes.add(e.getFileName().toString());
              for (Path f : imgs) {
                files.add(f);
                classOf.add(classes.size() - 1);
              }
            }
          } else if (Photos.isPhoto(e)) {
            loose++;
          }
        }
      }
      return new Folders(classes, files, classOf.stream().mapToInt(Integer::intValue).toArray(), loose);
    }
  }
}
