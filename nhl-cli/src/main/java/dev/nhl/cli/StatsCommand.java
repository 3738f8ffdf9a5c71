package dev.nhl.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.Directory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nhl stats}: what an index holds. */
@Command(name = "stats", mixinStandardHelpOptions = true, description = "Show an index's size, codes, spec, model, tags and segments.")
final class StatsCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = {"-i", "--index"}, required = true, description = "index folder")
  Path index;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (!PhotoIndex.exists(index)) {
      throw new BadInput("no index in " + index + ": build one with 'nhl index'");
    }
    try (Directory dir = PhotoIndex.open(index); DirectoryReader reader = DirectoryReader.open(dir)) {
      long bytes = 0;
      for (String f : dir.listAll()) {
        bytes += dir.fileLength(f);
      }
      var data = PhotoIndex.commitData(reader);
      out.printf(Locale.ROOT, "index     %s%n", index.toAbsolutePath());
      out.printf(Locale.ROOT, "size      %,d bytes%n", bytes);
      out.printf(Locale.ROOT, "codes     %,d (%,d deleted awaiting merge)%n", reader.numDocs(), reader.numDeletedDocs());
      out.printf(Locale.ROOT, "spec      %s bits%n", data.getOrDefault(PhotoIndex.SPEC_KEY, "?"));
      out.printf(Locale.ROOT, "model     %s%n", data.getOrDefault(PhotoIndex.MODEL_KEY, "?"));
      out.printf(Locale.ROOT, "tags      %d%n", PhotoIndex.tags(reader).size());
      out.printf(Locale.ROOT, "segments  %d%n", reader.leaves().size());
    }
    return 0;
  }
}
