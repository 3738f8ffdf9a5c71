package dev.nhl.bench;

import java.io.IOException;
import java.nio.file.Path;

/** Caltech-101 MobileNetV2 features (filled in with the encoder). */
final class CaltechFeatures {
  private CaltechFeatures() {}

  static NhlExperiment.Split read(Path file) throws IOException {
    throw new IOException("not yet: " + file);
  }
}
