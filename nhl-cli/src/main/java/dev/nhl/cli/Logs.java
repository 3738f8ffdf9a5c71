package dev.nhl.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The command line's logging: one line a record on standard error, {@code level: message}, no
 * timestamps; warnings only, unless {@code --verbose} asks for what the libraries report too
 * (which SIMD width Lucene uses, where ONNX Runtime runs) and for stack traces.
 */
final class Logs {

  private static volatile boolean verbose;

  private Logs() {}

  /** Whether {@code --verbose} was given: stack traces are shown. */
  static boolean verbose() {
    return verbose;
  }

  static void configure(boolean verbose) {
    Logs.verbose = verbose;
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    ConsoleHandler h = new ConsoleHandler();
    h.setLevel(Level.ALL);
    h.setFormatter(new Formatter() {
      @Override
      public String format(LogRecord r) {
        String line = r.getLevel().getName().toLowerCase(java.util.Locale.ROOT) + ": " + formatMessage(r)
            + System.lineSeparator();
        if (verbose && r.getThrown() != null) {
          java.io.StringWriter trace = new java.io.StringWriter();
          r.getThrown().printStackTrace(new java.io.PrintWriter(trace));
          return line + trace;
        }
        return r.getThrown() != null ? line.stripTrailing() + " (" + r.getThrown() + ")" + System.lineSeparator() : line;
      }
    });
    root.addHandler(h);
    root.setLevel(verbose ? Level.INFO : Level.WARNING);
  }
}
