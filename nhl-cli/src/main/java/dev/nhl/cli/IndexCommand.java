package dev.nhl.cli;

import dev.nhl.encoder.ImageEncoder;
import dev.nhl.index.CodeSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.Term;
import org.apache.lucene.store.Directory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nhl index}: encode the photos of a folder and keep a Lucene index of them up to date. */
@Command(name = "index", mixinStandardHelpOptions = true,
    description = {"Encode the photos under a folder with an ONNX model and write them to a Lucene index.",
        "Re-running encodes only new or changed files (path, modification time and size) and removes files "
            + "that are gone. Unreadable images are reported and skipped (and tried again next time). An index keeps to the model it was "
            + "built with (by content); --rebuild re-encodes everything with another."})
final class IndexCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", description = "folder of photos (searched recursively)")
  Path folder;

  @Option(names = {"-m", "--model"}, required = true, description = "model from images to codes ('nhl train' output)")
  Path model;

  @Option(names = {"-i", "--index"}, required = true, description = "index folder (created if missing)")
  Path index;

  @Option(names = "--batch", defaultValue = "32", description = "images per inference batch (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--max-pixels", defaultValue = "1000000000",
      description = "photos that declare more pixels are skipped with a message; larger ones below it are decoded "
          + "reduced to what the model needs (default: ${DEFAULT-VALUE})")
  long maxPixels;

  @Option(names = "--rebuild", description = "re-encode every photo (needed to switch the index to another model)")
  boolean rebuild;

  /** Encoded photos between commits: an interrupted run keeps what it did. */
  @Option(names = "--commit-every", defaultValue = "2000",
      description = "photos encoded between commits: a crash loses at most this much work (default: ${DEFAULT-VALUE})")
  int commitEvery;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isDirectory(folder)) {
      throw new java.nio.file.NotDirectoryException(folder + " is not a folder");
    }
    if (commitEvery < 1) {
      throw new BadInput("--commit-every must be at least 1, got " + commitEvery);
    }
    Path modelPath = model.toAbsolutePath().normalize();
    List<Path> photos = Photos.list(folder);
    boolean fresh = !Files.exists(index);
    if (photos.isEmpty() && fresh) {
      throw new BadInput("no photos under " + folder + " (files ending in ." + String.join(", .",
          new java.util.TreeSet<>(Photos.EXTENSIONS)) + ", in it or its subfolders): nothing to index");
    }
    Files.createDirectories(index);
    try {
      return index(out, err, modelPath, photos);
    } catch (IOException | RuntimeException | Error e) {
      // a run that fails before its first commit leaves no folder it made behind
      if (fresh && !PhotoIndex.exists(index)) {
        deleteTree(index);
      }
      throw e;
    }
  }

  private static void deleteTree(Path root) {
    try (var s = Files.walk(root)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // the failure being reported matters more than a folder left behind
    }
  }

  private int index(PrintWriter out, PrintWriter err, Path modelPath, List<Path> photos) throws IOException {
    try (Directory dir = PhotoIndex.open(index);
        ImageEncoder enc = BadInput.of(() -> ImageEncoder.open(modelPath,
            ImageEncoder.Options.defaults().withBatchSize(batch).withMaxPixels(maxPixels).withCopyDetection(true)))) {
      CodeSpec codeSpec = enc.spec();
      if (codeSpec == null) {
        throw new BadInput(model + " gives no codes (no nhl.spec in its metadata): use a model from 'nhl train'");
      }
      String modelHash = PhotoIndex.sha256(modelPath);
      Map<String, PhotoIndex.Stamp> known = new HashMap<>();
      if (DirectoryReader.indexExists(dir)) {
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
          String oldSpec = reader.getIndexCommit().getUserData().get(PhotoIndex.SPEC_KEY);
          String oldHash = reader.getIndexCommit().getUserData().get(PhotoIndex.MODEL_HASH_KEY);
          if (oldSpec != null && !CodeSpec.parse(oldSpec).equals(codeSpec) && !rebuild) {
            throw new BadInput("the index holds " + oldSpec + "-bit codes but " + model + " gives "
                + codeSpec + "; use a new index folder, or --rebuild to re-encode every photo");
          }
          if (oldHash != null && !oldHash.equals(modelHash) && !rebuild) {
            // codes of two models cannot be compared: one index, one model
            throw new BadInput("the index was built with another model ("
                + reader.getIndexCommit().getUserData().get(PhotoIndex.MODEL_KEY) + "); use that model, a new index folder, "
                + "or --rebuild to re-encode every photo with " + model);
          }
          if (!rebuild) {
            known = PhotoIndex.stamps(reader);
          }
        }
      }
      List<Path> todo = new ArrayList<>();
      List<PhotoIndex.Stamp> stamps = new ArrayList<>();
      int unchanged = 0;
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (Path p : photos) {
        PhotoIndex.Stamp s = PhotoIndex.Stamp.of(p);
        seen.add(p.toString());
        if (s.equals(known.get(p.toString()))) {
          unchanged++;
        } else {
          todo.add(p);
          stamps.add(s);
        }
      }
      List<String> gone = known.keySet().stream().filter(k -> !seen.contains(k) && k.startsWith(folder.toAbsolutePath().normalize().toString())).sorted().toList();
      out.printf(Locale.ROOT, "%d photos under %s: %d to encode, %d unchanged, %d gone; encoder on %s%n", photos.size(),
          folder, todo.size(), unchanged, gone.size(), enc.provider());
      int[] counts = new int[2];
      try (IndexWriter w = PhotoIndex.writer(dir)) {
        for (String g : gone) {
          w.deleteDocuments(new Term(PhotoIndex.PATH, g));
        }
        if (rebuild) {
          w.deleteAll();
        }
        Map<String, String> data = Map.of(PhotoIndex.SPEC_KEY, codeSpec.toString(), PhotoIndex.MODEL_KEY,
            modelPath.toString(), PhotoIndex.MODEL_HASH_KEY, modelHash);
        w.setLiveCommitData(data.entrySet());
        Progress bar = todo.isEmpty() ? null : new Progress(System.err, "encoding", todo.size());
        int[] i = {0};
        enc.encode(todo, r -> {
          int at = i[0]++;
          try {
            if (r.ok()) {
              w.updateDocument(new Term(PhotoIndex.PATH, r.path().toString()),
                  PhotoIndex.document(r.path(), stamps.get(at), r.code(), codeSpec, r.perceptualHash(),
                      r.mirroredHash(), r.localFeatures()));
              counts[0]++;
              if (counts[0] % commitEvery == 0) {
                w.commit();
              }
            } else {
              counts[1]++;
              err.println("\nskipped " + r.path() + ": " + r.error());
            }
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          bar.step();
        });
        w.commit();
      }
      out.printf(Locale.ROOT, "indexed %d photos, skipped %d unreadable, removed %d; index %s%n", counts[0], counts[1],
          gone.size(), index);
    }
    return 0;
  }
}
