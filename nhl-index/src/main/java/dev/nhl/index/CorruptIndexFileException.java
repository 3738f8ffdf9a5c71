package dev.nhl.index;

import java.io.IOException;
import java.nio.file.Path;

/** A code index file whose bytes are not a valid index: truncated, damaged, or not one at all. */
public final class CorruptIndexFileException extends IOException {
  private static final long serialVersionUID = 1L;

  /** A message naming the file and what is wrong with it. */
  public CorruptIndexFileException(String message, Path file) {
    super(message + " (file: " + file + ")");
  }
}
