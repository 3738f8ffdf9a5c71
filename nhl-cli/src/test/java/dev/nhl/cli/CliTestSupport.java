package dev.nhl.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the command line in-process and builds a small photo collection from Caltech-101. */
final class CliTestSupport {

  static final Path SHARED = Path.of("../../shared");
  static final Path CALTECH = SHARED.resolve("data/caltech101/101_ObjectCategories");
  static final Path MOBILENET = SHARED.resolve("models/mobilenetv2-12-int8.onnx");
  static final List<String> CLASSES = List.of("Faces_easy", "Leopards", "Motorbikes", "airplanes", "watch", "sunflower");

  private CliTestSupport() {}

  record Run(int code, String out, String err) {}

  static Run nhl(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Nhl.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  static void assumeData() {
    assumeTrue(Files.isDirectory(CALTECH) && Files.isRegularFile(MOBILENET),
        "Caltech-101 and MobileNetV2 are expected in " + SHARED.toAbsolutePath());
  }

  /**
   * Copies {@code perClass} photos of each class into {@code photos/<class>/} and returns one
   * further photo per class, held out, as queries.
   */
  static List<Path> collection(Path photos, int perClass) throws IOException {
    List<Path> heldOut = new ArrayList<>();
    for (String c : CLASSES) {
      List<Path> files;
      try (var s = Files.list(CALTECH.resolve(c))) {
        files = s.sorted().toList();
      }
      Path dir = Files.createDirectories(photos.resolve(c));
      for (int i = 0; i < perClass; i++) {
        Files.copy(files.get(i), dir.resolve(files.get(i).getFileName()));
      }
      heldOut.add(files.get(files.size() - 1));
    }
    return heldOut;
  }
}
