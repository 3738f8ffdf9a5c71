package dev.nhl.cli;

import dev.nhl.encoder.IdxFiles;
import dev.nhl.encoder.ImageEncoder;
import dev.nhl.encoder.Labels;
import dev.nhl.encoder.NhlHead;
import dev.nhl.encoder.NhlTrainer;
import dev.nhl.encoder.Objective;
import dev.nhl.encoder.OnnxModels;
import dev.nhl.encoder.TrainerConfig;
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
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nhl train}: a head from photos in class folders (through a backbone) or from IDX pixels. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Train a Nested Hash Layer head and write it as ONNX.",
        "From photos: --images DIR holds one folder per class; each photo goes through --backbone, cut at "
            + "--feature-tensor, and --out is the backbone and head composed (image to codes), ready for 'nhl index'.",
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

  static final class PhotoSource {
    @Option(names = "--images", required = true, description = "folder of class folders of photos")
    Path images;

    @Option(names = "--backbone", required = true, description = "backbone ONNX model (e.g. mobilenetv2-12-int8.onnx)")
    Path backbone;

    @Option(names = "--feature-tensor", defaultValue = "627",
        description = "backbone tensor to cut at, pooled if spatial (default: ${DEFAULT-VALUE}, MobileNetV2's feature map)")
    String featureTensor;
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

  @Option(names = "--seed", defaultValue = "42", description = "random seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CodeSpec codeSpec = CodeSpec.parse(bits);
    float[] features;
    int dim;
    Labels labels;
    byte[] backbone = null;
    if (source.photos != null) {
      PhotoSource p = source.photos;
      if (!Files.isDirectory(p.images)) {
        throw new java.nio.file.NotDirectoryException(p.images + " is not a folder of class folders");
      }
      List<Path> files = new ArrayList<>();
      List<Integer> classOf = new ArrayList<>();
      List<String> classes = new ArrayList<>();
      try (var dirs = Files.list(p.images)) {
        for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
          List<Path> imgs = dev.nhl.cli.Photos.list(d);
          if (!imgs.isEmpty()) {
            classes.add(d.getFileName().toString());
            for (Path f : imgs) {
              files.add(f);
              classOf.add(classes.size() - 1);
            }
          }
        }
      }
      if (classes.size() < 2) {
        throw new IllegalArgumentException(p.images + " must hold at least two class folders of photos, found " + classes.size());
      }
      out.printf(Locale.ROOT, "%d photos in %d classes; extracting features with %s at tensor %s%n", files.size(),
          classes.size(), p.backbone, p.featureTensor);
      backbone = Files.readAllBytes(p.backbone);
      Path extractor = Files.createTempFile("nhl-features", ".onnx");
      List<float[]> rows = new ArrayList<>();
      List<Integer> keptClass = new ArrayList<>();
      try {
        OnnxModels.write(OnnxModels.featureExtractor(backbone, p.featureTensor), extractor);
        try (ImageEncoder enc = ImageEncoder.open(extractor, ImageEncoder.Options.defaults())) {
          Progress bar = new Progress(System.err, "features", files.size());
          int[] i = {0};
          enc.encode(files, r -> {
            if (r.ok()) {
              rows.add(r.outputs());
              keptClass.add(classOf.get(i[0]));
            } else {
              err.println("skipped " + r.path() + ": " + r.error());
            }
            i[0]++;
            bar.step();
          });
          dim = enc.outputDim();
        }
      } finally {
        Files.deleteIfExists(extractor);
      }
      features = new float[rows.size() * dim];
      for (int i = 0; i < rows.size(); i++) {
        System.arraycopy(rows.get(i), 0, features, i * dim, dim);
      }
      labels = Labels.single(keptClass.stream().mapToInt(Integer::intValue).toArray(), classes.size());
    } else {
      IdxFiles.Images images = IdxFiles.readImages(source.idx.images);
      int[] y = IdxFiles.readLabels(source.idx.labels);
      if (y.length != images.count()) {
        throw new IllegalArgumentException(images.count() + " images but " + y.length + " labels");
      }
      features = images.pixels();
      dim = images.dim();
      labels = Labels.single(y, java.util.Arrays.stream(y).max().orElse(0) + 1);
    }
    int hiddenUnits = hidden != null ? hidden : source.photos != null ? 0 : 256;
    TrainerConfig config = TrainerConfig.builder(codeSpec).objective(objective).mode(mode).hiddenUnits(hiddenUnits)
        .epochs(epochs).batchSize(Math.min(128, Math.max(2, labels.size() / 8))).seed(seed).build();
    out.printf(Locale.ROOT, "training %s %s head, %s bits, %d items of %d features%n", mode, objective, codeSpec,
        labels.size(), dim);
    NhlHead head = new NhlTrainer(config).train(features, dim, labels, r -> out.println("  " + r));
    byte[] model = backbone != null ? OnnxModels.compose(backbone, source.photos.featureTensor, head) : OnnxModels.head(head);
    OnnxModels.write(model, out());
    out.printf(Locale.ROOT, "wrote %s (%,d bytes)%n", this.out, model.length);
    return 0;
  }

  private Path out() {
    return out;
  }
}
