package dev.nhl.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Which files are photos: by extension, as ImageIO with TwelveMonkeys reads them. */
final class Photos {

  static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "gif", "bmp");

  private Photos() {}

  static boolean isPhoto(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    int dot = n.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1)) && Files.isRegularFile(p);
  }

  /** The photos under a folder, recursively, in path order. */
  static List<Path> list(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      return s.filter(Photos::isPhoto).map(p -> p.toAbsolutePath().normalize()).sorted().toList();
    }
  }
}
