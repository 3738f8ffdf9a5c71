package dev.nhl.cli;

import dev.nhl.encoder.ImageEncoder;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import dev.nhl.index.Hits;
import dev.nhl.index.SearchOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.Directory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nhl search}: the nearest photos to a photo or a code. */
@Command(name = "search", mixinStandardHelpOptions = true,
    description = {"Search the index with a photo (encoded with the index's model) or a hex code.",
        "Prints what each stage of the progressive search did, then rank, distance at each code length, tag and path."})
final class SearchCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", description = "a photo file, or a code in hex")
  String query;

  @Option(names = {"-i", "--index"}, required = true, description = "index folder")
  Path index;

  @Option(names = {"-m", "--model"}, description = "model to encode a photo (default: the one that built the index)")
  Path model;

  @Option(names = "-k", defaultValue = "10", description = "number of results (default: ${DEFAULT-VALUE})")
  int k;

  @Option(names = "--tag", description = "only photos with this tag (their folder name)")
  String tag;

  @Option(names = "--mode", description = "how to search, nhl's modes: default (exact results, from the multi-index "
      + "tables where they cost less than a scan), exact (a scan of every code at the full length: the same results), "
      + "probe (approximate: the tables until --candidates codes were ranked), plan (approximate: a stage at every "
      + "length, each keeping a quarter of the candidates before it, to show the nested lengths at work) "
      + "(default: ${DEFAULT-VALUE})", defaultValue = "default")
  SearchOptions.Mode mode;

  @Option(names = "--candidates", description = "codes a probe ranks before it stops (with --mode probe)")
  Long candidates;

  @Option(names = "--exact", description = "the same as --mode exact")
  boolean exact;

  @Option(names = "--stages", description = "the same as --mode plan")
  boolean stages;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (k < 1) {
      throw new BadInput("-k must be at least 1, got " + k);
    }
    SearchOptions.Mode m = mode(spec.commandLine().getParseResult().hasMatchedOption("--mode"));
    if (m == SearchOptions.Mode.PROBE ? candidates == null || candidates < 1 : candidates != null) {
      throw new BadInput(m == SearchOptions.Mode.PROBE
          ? "--mode probe needs --candidates, the codes to rank (at least 1), " + (candidates == null ? "none given"
              : "got " + candidates)
          : "--candidates is for --mode probe, not --mode " + m.name().toLowerCase(java.util.Locale.ROOT));
    }
    if (!PhotoIndex.exists(index)) {
      throw new BadInput("no index in " + index + ": build one with 'nhl index'");
    }
    try (Directory dir = PhotoIndex.open(index); DirectoryReader reader = DirectoryReader.open(dir)) {
      CodeSpec codeSpec = PhotoIndex.spec(reader);
      byte[] code = code(reader, codeSpec);
      PhotoSearch.Result r = PhotoSearch.search(reader, code, k, tag, m, candidates == null ? 0 : candidates);
      print(out, codeSpec, code, r);
    }
    return 0;
  }

  private byte[] code(DirectoryReader reader, CodeSpec codeSpec) throws IOException {
    Path file = Path.of(query);
    if (Files.isDirectory(file)) {
      throw new BadInput(query + " is a folder: search takes one photo file, or a code in hex");
    }
    if (Files.exists(file)) {
      java.util.Map<String, String> data = PhotoIndex.commitData(reader);
      Path m = model != null ? model : Path.of(data.getOrDefault(PhotoIndex.MODEL_KEY, ""));
      String built = data.get(PhotoIndex.MODEL_HASH_KEY);
      try (ImageEncoder enc = BadInput.of(() -> ImageEncoder.open(m, ImageEncoder.Options.defaults().withBatchSize(1)))) {
        if (enc.spec() == null) {
          throw new BadInput(m + " gives no codes (no nhl.spec in its metadata): it is not a model from "
              + "'nhl train'; search with the model that built the index");
        }
        if (model != null && built != null && !built.equals(PhotoIndex.sha256(model.toAbsolutePath().normalize()))) {
          // codes of two models cannot be compared
          throw new BadInput("the index was built with another model (" + data.get(PhotoIndex.MODEL_KEY)
              + ") than " + model + ": search with that model, or index the photos again with --rebuild");
        }
        ImageEncoder.Result res = enc.encode(List.of(file)).get(0);
        if (!res.ok()) {
          throw new BadInput(res.error());
        }
        return res.code();
      }
    }
    if (query.matches("[0-9a-fA-F]+")) {
      byte[] code = BadInput.of(() -> Codes.fromHex(query));
      if (code.length != codeSpec.maxBytes()) {
        throw new BadInput("a code of this index has " + codeSpec.maxBits() + " bits ("
            + codeSpec.maxBytes() * 2 + " hex digits), got " + query.length() + " digits");
      }
      return code;
    }
    throw new BadInput("'" + query + "' is neither a file nor a hex code");
  }

  static void print(PrintWriter out, CodeSpec spec, byte[] code, PhotoSearch.Result r) {
    out.println("query code " + Codes.toHex(code));
    out.println();
    out.println("  bits   candidates      kept       time");
    for (Hits.StageStats s : r.stages()) {
      out.printf(Locale.ROOT, "  %4d  %,11d  %,8d  %7.3f ms%n", s.length(), s.candidates(), s.kept(), s.nanos() / 1e6);
    }
    out.printf(Locale.ROOT, "  total %.3f ms%n%n", r.nanos() / 1e6);
    StringBuilder head = new StringBuilder("  rank");
    for (int len : spec.lengths()) {
      head.append(String.format(Locale.ROOT, " %5s", "d@" + len));
    }
    out.println(head + "  tag  path");
    for (PhotoSearch.Hit h : r.hits()) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %4d", h.rank()));
      for (int d : h.distances()) {
        line.append(String.format(Locale.ROOT, " %5d", d));
      }
      out.println(line + "  " + h.tag() + "  " + h.path());
    }
  }

  /** The one mode the options name: --mode, or one of its shortcuts, never two. */
  private SearchOptions.Mode mode(boolean modeGiven) {
    int named = (modeGiven ? 1 : 0) + (exact ? 1 : 0) + (stages ? 1 : 0);
    if (named > 1) {
      throw new BadInput("--mode, --exact and --stages are ways to name one mode: give one of them");
    }
    return exact ? SearchOptions.Mode.EXACT : stages ? SearchOptions.Mode.PLAN : mode;
  }
}
