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
    description = {"List groups of near-duplicate photos: the same shot resized, recompressed, cropped or colour-shifted, "
        + "largest groups first, with paths.",
        "Two photos are near-duplicates when their perceptual hashes (64 bits of the pixels' low frequencies, stored "
            + "by 'nhl index') are within --radius at --bits; or within twice that, for heavier changes such as crops, "
            + "while their model codes are within --code-radius at 64 bits. Exact radius search, through the index's "
            + "tables where they apply. A group is a photo and its near-duplicates."})
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

  @Option(names = "--code-radius", defaultValue = "" + Duplicates.DuplicateRule.CODE_RADIUS,
      description = "largest distance between the model codes (at 64 bits, or the codes' length when shorter) of "
          + "photos whose hashes are within twice --radius (default: ${DEFAULT-VALUE})")
  int codeRadius;

  @Option(names = "--hash-only", description = "the hashes alone decide: no second chance through the model codes")
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
      int codeBits = Math.min(64, PhotoIndex.spec(reader).maxBits());
      Duplicates.DuplicateRule rule = new Duplicates.DuplicateRule(bits, radius, codeBits,
          hashOnly ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(codeRadius));
      long t0 = System.nanoTime();
      List<Duplicates.Group> groups = Duplicates.duplicateGroups(reader, rule);
      double seconds = (System.nanoTime() - t0) / 1e9;
      List<Duplicates.Group> shown = groups.stream().filter(g -> g.members().size() >= minSize).toList();
      int photos = shown.stream().mapToInt(g -> g.members().size()).sum();
      out.printf(Locale.ROOT, "%,d groups of near-duplicates (hashes within %d of %d bits%s): %,d of %,d photos (%.2f s)%n",
          shown.size(), radius, bits, hashOnly ? "" : String.format(Locale.ROOT, ", or within %d with codes within %d of %d",
              rule.searchRadius(), codeRadius, codeBits), photos, reader.numDocs(), seconds);
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
