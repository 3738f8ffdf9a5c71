package dev.nhl.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A progress bar with rate and ETA on one terminal line, redrawn at most a few times a second. */
final class Progress {

  private final PrintStream out;
  private final String what;
  private final int total;
  private final long start = System.nanoTime();
  private long lastDraw;
  private int done;

  Progress(PrintStream out, String what, int total) {
    this.out = out;
    this.what = what;
    this.total = total;
  }

  void step() {
    done++;
    long now = System.nanoTime();
    if (done == total || now - lastDraw > 200_000_000L) {
      lastDraw = now;
      draw(now);
    }
  }

  private void draw(long now) {
    double s = (now - start) / 1e9;
    double rate = s > 0 ? done / s : 0;
    int width = 30;
    int filled = total == 0 ? width : (int) ((long) width * done / total);
    long eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    out.printf(Locale.ROOT, "\r%s [%s%s] %d/%d %3d%%  %.1f/s  ETA %d:%02d ", what, "#".repeat(filled),
        ".".repeat(width - filled), done, total, total == 0 ? 100 : 100L * done / total, rate, eta / 60, eta % 60);
    if (done == total) {
      out.println();
    }
    out.flush();
  }
}
