package dev.nhl.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.Directory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nhl dups}: groups of near-duplicate photos. */
@Command(name = "dups", mixinStandardHelpOptions = true,
    description = {"List groups of near-duplicate photos: the same shot resized, recompressed, recoloured, mirrored, "
        + "rotated or cropped, largest groups first, with paths.",
        "Two photos are near-duplicates when their perceptual hashes (64 bits of the pixels' low frequencies, stored "
            + "by 'nhl index', with the mirrored image's) are within --radius at --bits; or when at least --min-matches "
            + "of their local features (stored by 'nhl index') agree on one geometric transform. Features are compared "
            + "for the --candidates photos nearest by model code and the --candidates nearest by hash of those whose "
            + "hashes are within twice --radius. "
            + "A group is a photo and its near-duplicates."})
final class DupsCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = {"-i", "--index"}, required = true, description = "index folder")
  Path index;

  @Option(names = "--bits", defaultValue = "64",
      description = "perceptual hash length compared: 16, 32 or 64 (default: ${DEFAULT-VALUE})")
  int bits;

  @Option(names = "--radius", defaultValue = "" + Duplicates.DuplicateRule.RADIUS,
      description = "largest Hamming distance at --bits between the hashes of near-duplicates (default: ${DEFAULT-VALUE})")
  int radius;

  @Option(names = "--candidates", defaultValue = "" + Duplicates.DuplicateRule.CANDIDATES,
      description = "photos nearest by model code, and as many nearest by hash within twice --radius, whose local "
          + "features are compared with each photo's (default: ${DEFAULT-VALUE})")
  int candidates;

  @Option(names = "--min-matches", defaultValue = "" + Duplicates.DuplicateRule.MIN_MATCHES,
      description = "local features two photos must agree on to be copies (default: ${DEFAULT-VALUE}); "
          + "copies agree on hundreds, other photos on a few")
  int minMatches;

  /** Accepted for scripts written for earlier versions; copies are now confirmed by local features. */
  @Deprecated
  @Option(names = "--code-radius", hidden = true)
  Integer codeRadius;

  @Option(names = "--hash-only", description = "the hashes alone decide (resized, recompressed, recoloured and "
      + "mirrored copies); faster, finds no rotated or cropped copy")
  boolean hashOnly;

  @Option(names = "--min-size", defaultValue = "2", description = "smallest group listed (default: ${DEFAULT-VALUE})")
  int minSize;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (minSize < 2) {
      throw new BadInput("--min-size must be at least 2, got " + minSize);
    }
    if (!PhotoIndex.exists(index)) {
      throw new BadInput("no index in " + index + ": build one with 'nhl index'");
    }
    try (Directory dir = PhotoIndex.open(index); DirectoryReader reader = DirectoryReader.open(dir)) {
      if (codeRadius != null) {
        spec.commandLine().getErr().println("--code-radius is no longer used: copies the hashes miss are confirmed by "
            + "their local features (--min-matches)");
      }
      Duplicates.DuplicateRule rule = new Duplicates.DuplicateRule(bits, radius, candidates, minMatches, hashOnly);
      long t0 = System.nanoTime();
      Duplicates.Grouping grouping = Duplicates.duplicateGroups(reader, rule);
      double seconds = (System.nanoTime() - t0) / 1e9;
      List<Duplicates.Group> shown = grouping.groups().stream().filter(g -> g.members().size() >= minSize).toList();
      int photos = shown.stream().mapToInt(g -> g.members().size()).sum();
      out.printf(Locale.ROOT, "%,d groups of near-duplicates (hashes within %d of %d bits%s): %,d of %,d photos (%.2f s)%n",
          shown.size(), radius, bits, hashOnly ? "" : String.format(Locale.ROOT, ", or %d local features in agreement",
              minMatches), photos, reader.numDocs(), seconds);
      if (!hashOnly && grouping.withoutFeatures() > 0) {
        spec.commandLine().getErr().printf(Locale.ROOT, "%,d photos were indexed without local features (by an earlier "
            + "nhl): their rotated and cropped copies are not looked for; run 'nhl index' on their folder again%n",
            grouping.withoutFeatures());
      }
      int n = 0;
      for (Duplicates.Group g : shown) {
        out.printf(Locale.ROOT, "%ngroup %d: %d photos (hash distance to the first, path)%n", ++n, g.members().size());
        for (Duplicates.Member m : g.members()) {
          out.printf(Locale.ROOT, "  %3d  %s%n", m.distance(), m.path());
        }
      }
    }
    return 0;
  }
}
