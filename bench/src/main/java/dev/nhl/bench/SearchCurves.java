package dev.nhl.bench;

import dev.nhl.index.CodeSpec;
import dev.nhl.index.Hits;
import dev.nhl.index.NestedCodeIndex;
import dev.nhl.index.ProgressivePlan;
import dev.nhl.index.SearchOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Recall against latency of nhl-index's searches, per data kind and size, single-threaded, warm:
 * the default, the exact scan of the columns, exact multi-index search without a cost cap, and
 * approximate probes of the tables with several candidate budgets. Prints a table (p50, p99,
 * mean, tie-aware recall@10 against the scan) and writes {@code curves-<kind>-<n>.csv} and an SVG
 * plot of recall against p50 latency into the output folder.
 *
 * <p>Usage: {@code SearchCurves OUTDIR n queries kind...} (kinds of {@link CodeGenerator}), or
 * {@code SearchCurves --replot DIR} to draw the plots again from the CSV files in {@code DIR}, or
 * {@code SearchCurves --live RESULTS OUTDIR} to plot, for every {@code LiveIndexBenchmark} table
 * saved in {@code RESULTS} as {@code live-index-*.txt}, recall against p50 latency of each index
 * shape ({@code OUTDIR/live-index-*.svg}).
 */
public final class SearchCurves {

  static final CodeSpec SPEC = CodeSpec.of(16, 32, 64, 128);
  static final int K = 10;

  private SearchCurves() {}

  /** One series point: a search's name, latency percentiles and recall. */
  record Point(String name, double p50, double p99, double mean, double recall) {}

  /** Runs the curves. */
  public static void main(String[] args) throws IOException {
    if (args.length == 3 && args[0].equals("--live")) {
      plotLiveIndex(Path.of(args[1]), Path.of(args[2]));
      return;
    }
    if (args.length == 2 && args[0].equals("--replot")) {
      replot(Path.of(args[1]));
      return;
    }
    if (args.length < 4) {
      throw new IllegalArgumentException("usage: SearchCurves OUTDIR n queries kind...");
    }
    Path out = Path.of(args[0]);
    Files.createDirectories(out);
    int n = Integer.parseInt(args[1]);
    int queries = Integer.parseInt(args[2]);
    for (int a = 3; a < args.length; a++) {
      run(out, args[a], n, queries);
    }
  }

  static List<Point> run(Path out, String kind, int n, int queries) throws IOException {
    CodeGenerator gen = new CodeGenerator(kind, n, 42);
    NestedCodeIndex.Builder b = gen.addTo(NestedCodeIndex.builder(SPEC).multiIndexFrom(1), n);
    long t0 = System.nanoTime();
    NestedCodeIndex index = b.build();
    double buildSeconds = (System.nanoTime() - t0) / 1e9;
    byte[][] qs = new byte[queries][];
    for (int q = 0; q < queries; q++) {
      qs[q] = gen.next();
    }
    SearchOptions scan = SearchOptions.approximate(ProgressivePlan.exact(128, K));
    int[][] exact = new int[queries][];
    for (int q = 0; q < queries; q++) {
      exact[q] = index.search(qs[q], scan).distances();
    }
    List<Point> points = new ArrayList<>();
    points.add(measure("exact scan", index, qs, exact, scan));
    points.add(measure("default", index, qs, exact, SearchOptions.defaults(K)));
    points.add(measure("exact multi-index (no cost cap)", index, qs, exact, SearchOptions.approximate(K, Long.MAX_VALUE)));
    for (long c : new long[] {100, 1_000, 10_000, 100_000}) {
      points.add(measure(String.format(Locale.ROOT, "probe %,d", c), index, qs, exact, SearchOptions.approximate(K, c)));
    }
    if (n > ProgressivePlan.EXACT_UP_TO) {
      ProgressivePlan plan = ProgressivePlan.defaultPlan(SPEC, n, K, 128);
      StringBuilder lengths = new StringBuilder();
      for (ProgressivePlan.Stage st : plan.stages()) {
        lengths.append(lengths.isEmpty() ? "" : "/").append(st.length());
      }
      points.add(measure("column plan " + lengths, index, qs, exact, SearchOptions.approximate(plan)));
    }
    index.close();
    String title = String.format(Locale.ROOT, "%,d %s codes, top %d, %d queries", n, kind, K, queries);
    System.out.printf(Locale.ROOT, "%n# %s; index with tables built in %.1f s; %s, %d cores, JDK %s%n", title,
        buildSeconds, System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    System.out.println("| search | p50 | p99 | mean | recall@10 |\n| --- | ---: | ---: | ---: | ---: |");
    StringBuilder csv = new StringBuilder("search,p50_ms,p99_ms,mean_ms,recall\n");
    for (Point p : points) {
      System.out.printf(Locale.ROOT, "| %s | %.3f ms | %.3f ms | %.3f ms | %.4f |%n", p.name(), p.p50(), p.p99(), p.mean(), p.recall());
      csv.append(String.format(Locale.ROOT, "\"%s\",%.4f,%.4f,%.4f,%.5f%n", p.name(), p.p50(), p.p99(), p.mean(), p.recall()));
    }
    String name = kind.startsWith("file:") ? "file-" + Path.of(kind.substring(5)).getFileName() : kind;
    String base = String.format(Locale.ROOT, "curves-%s-%d", name, n);
    Files.writeString(out.resolve(base + ".csv"), csv);
    Files.writeString(out.resolve(base + ".svg"), Svg.plot(title, points));
    return points;
  }

  /** Draws the SVG of every {@code curves-KIND-N.csv} in {@code dir} again. */
  static void replot(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      for (Path csv : files.filter(f -> f.getFileName().toString().matches("curves-.*-\\d+\\.csv")).toList()) {
        String base = csv.getFileName().toString().replaceAll("\\.csv$", "");
        String kind = kindOf(base, "curves-");
        long n = sizeOf(base);
        List<Point> points = new ArrayList<>();
        for (String line : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
          int q = line.lastIndexOf('"');
          String[] v = line.substring(q + 2).split(",");
          String name = line.substring(1, q).replaceAll("column plan \\[.*\\]", "column plan 32/64/128");
          points.add(new Point(name, Double.parseDouble(v[0]), Double.parseDouble(v[1]), Double.parseDouble(v[2]),
              Double.parseDouble(v[3])));
        }
        String title = String.format(Locale.ROOT, "%,d %s codes, top %d", n, kind, K);
        Files.writeString(dir.resolve(base + ".svg"), Svg.plot(title, points));
      }
    }
    // LuceneComparison's tables, saved as lucene-KIND-N.md: | search | segments | p50 | p99 | recall |
    try (var files = Files.list(dir)) {
      for (Path md : files.filter(f -> f.getFileName().toString().matches("lucene-.*-\\d+\\.md")).toList()) {
        String base = md.getFileName().toString().replaceAll("\\.md$", "");
        String kind = kindOf(base, "lucene-");
        long n = sizeOf(base);
        List<Point> points = new ArrayList<>();
        for (String line : Files.readAllLines(md)) {
          String[] c = line.split("\\|");
          if (c.length == 6 && c[3].trim().endsWith(" ms") && !c[1].contains("search")) {
            points.add(new Point(c[1].trim(), ms(c[3]), ms(c[4]), ms(c[3]), Double.parseDouble(c[5].trim())));
          }
        }
        String title = String.format(Locale.ROOT, "Lucene, %,d %s codes, top %d: nhl and HNSW", n, kind, K);
        Files.writeString(dir.resolve(base + ".svg"), Svg.plot(title, points));
      }
    }
  }

  /**
   * Plots each {@code LiveIndexBenchmark} table in {@code results} ({@code live-index-*.txt}: a
   * title line, then rows {@code | index | segments | recall@10 | p50 | p99 | ...}; "1 (exact)" is
   * recall 1) as recall against p50, one point an index shape and search.
   */
  static void plotLiveIndex(Path results, Path out) throws IOException {
    Files.createDirectories(out);
    try (var files = Files.list(results)) {
      for (Path txt : files.filter(f -> f.getFileName().toString().matches("live-index-1?[0-9]m-.*\\.txt") && !f.getFileName().toString().contains("before-after")).sorted().toList()) {
        List<String> lines = Files.readAllLines(txt);
        List<Point> points = new ArrayList<>();
        for (String line : lines) {
          String[] c = line.split("\\|");
          if (c.length > 5 && c[4].trim().endsWith(" ms") && c[3].trim().matches("1 \\(exact\\)|[01]\\.\\d+")) {
            double recall = c[3].contains("exact") ? 1.0 : Double.parseDouble(c[3].trim());
            String segments = c[2].trim().equals("1") ? "one segment" : c[2].trim() + " segments";
            String name = c[1].trim() + (c[1].contains("segment") ? "" : ", " + segments);
            points.add(new Point(name, ms(c[4]), ms(c[5]), ms(c[4]), recall));
          }
        }
        if (points.isEmpty() || lines.isEmpty()) {
          continue;
        }
        String title = lines.getFirst().replaceFirst("^# ", "").replaceAll(";.*", "");
        String base = txt.getFileName().toString().replaceAll("\\.txt$", "");
        Files.writeString(out.resolve(base + ".svg"), Svg.plot(title, points));
      }
    }
  }

  /** The data kind in a file name {@code PREFIX-KIND-N}. */
  private static String kindOf(String base, String prefix) {
    return base.substring(prefix.length(), base.lastIndexOf('-'));
  }

  /** The size in a file name {@code PREFIX-KIND-N}. */
  private static long sizeOf(String base) {
    return Long.parseLong(base.substring(base.lastIndexOf('-') + 1));
  }

  private static double ms(String cell) {
    return Double.parseDouble(cell.trim().replace(" ms", ""));
  }

  private static Point measure(String name, NestedCodeIndex index, byte[][] qs, int[][] exact, SearchOptions o)
      throws IOException {
    return QueryTiming.measure(qs.length, exact, q -> index.search(qs[q], o).distances()).point(name);
  }

  /** A small SVG scatter plot: p50 latency (log scale) against recall, one labelled point a search. */
  static final class Svg {
    private Svg() {}

    static String plot(String title, List<Point> points) {
      int w = 900;
      int h = Math.max(420, 80 + 18 * points.size());
      int left = 70;
      int right = 380;
      int top = 40;
      int bottom = 50;
      double minT = Double.MAX_VALUE;
      double maxT = 0;
      for (Point p : points) {
        minT = Math.min(minT, p.p50());
        maxT = Math.max(maxT, p.p50());
      }
      double lo = Math.floor(Math.log10(Math.max(1e-4, minT)));
      double hi = Math.ceil(Math.log10(Math.max(maxT, minT * 10)));
      double minR = 0;
      for (Point p : points) {
        minR = Math.min(minR, p.recall());
      }
      StringBuilder s = new StringBuilder();
      s.append(String.format(Locale.ROOT,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
      s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>%n", left, escape(title)));
      int pw = w - left - right;
      int ph = h - top - bottom;
      s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>%n", left, top, pw, ph));
      for (double e = lo; e <= hi; e++) {
        double x = left + (e - lo) / (hi - lo) * pw;
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", x, top, x, top + ph));
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s ms</text>%n", x, top + ph + 16,
            trim(Math.pow(10, e))));
      }
      for (double r = 0; r <= 1.0001; r += 0.1) {
        double y = top + ph - (r - minR) / (1 - minR) * ph;
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n", left, y, left + pw, y));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>%n", left - 6, y + 4, r));
      }
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">p50 latency (log scale)</text>%n",
          left + pw / 2, h - 12));
      s.append(String.format(Locale.ROOT,
          "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">recall@10</text>%n", top + ph / 2, top + ph / 2));
      String[] colours = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf", "#ff7f0e", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"};
      for (int i = 0; i < points.size(); i++) {
        Point p = points.get(i);
        double x = left + (Math.log10(Math.max(1e-4, p.p50())) - lo) / (hi - lo) * pw;
        double y = top + ph - (p.recall() - minR) / (1 - minR) * ph;
        String c = colours[i % colours.length];
        int ly = top + 14 + 18 * i;
        // HNSW as squares, nhl as circles
        boolean square = p.name().contains("HNSW");
        s.append(marker(square, x, y, c));
        s.append(marker(square, left + pw + 16, ly - 4, c));
        String label = p.name().replaceAll(" \\((NestedHammingQuery.exact|plan \\[.*\\])\\)", "")
            .replaceAll("\\(exact: multi-index tables or scan\\)", "(exact)")
            .replace("KnnByteVectorQuery ", "").replace(", top 10", "");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s: %.3f ms, %.3f</text>%n", left + pw + 26, ly,
            escape(label), p.p50(), p.recall()));
      }
      return s.append("</svg>\n").toString();
    }

    private static String marker(boolean square, double x, double y, String colour) {
      return square
          ? String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>%n", x - 5, y - 5, colour)
          : String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>%n", x, y, colour);
    }

    private static String trim(double v) {
      return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%s", v).replaceAll("0+$", "");
    }

    private static String escape(String t) {
      return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
  }
}
