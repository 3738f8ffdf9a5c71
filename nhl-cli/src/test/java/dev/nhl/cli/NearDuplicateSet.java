package dev.nhl.cli;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * A generated collection of near-duplicates, in one unsorted folder: photos of several Caltech-101
 * classes (several photos of each class, so that photos of one kind that are not copies sit
 * beside each other), each with six altered copies: resized to 60%, recompressed at JPEG quality
 * 0.35, recoloured (contrast, brightness and a colour cast), mirrored left to right, rotated by
 * 3 to 5 degrees either way (cropped to the largest upright rectangle inside, as a photo editor
 * straightens), and cropped to 80% a side at a random place; and, as distractors, more photos of
 * the same classes without copies. A photo and its copies are one true group.
 *
 * <p>Caltech-101 holds photos that are copies of each other (the same picture twice, mirrored, or
 * as a crop in a class such as {@code flamingo_head} or {@code Faces_easy}): classes made of crops
 * of another class's photos are left out, and a photo whose perceptual hash, as it is or
 * mirrored, is within 12 bits of one already taken is skipped, so that the set's only copies are
 * the ones it makes.
 */
final class NearDuplicateSet {

  /** Variants made of each photo, besides the photo itself. */
  static final List<String> VARIANTS = List.of("resized", "recompressed", "colour", "mirrored", "rotated", "cropped");

  private NearDuplicateSet() {}

  /** Sets of Caltech-101 photos ("class/file") that are copies of one picture, seen by eye (a test resource). */
  static final List<List<String>> CALTECH_COPIES = caltechCopies();

  private static List<List<String>> caltechCopies() {
    try (var in = NearDuplicateSet.class.getResourceAsStream("/caltech-copies.txt")) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
          .filter(l -> !l.isBlank() && !l.startsWith("#")).map(l -> List.of(l.trim().split("\\s+"))).toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Whether a Caltech-101 class is made of crops of another class's photos. */
  static boolean derivedClass(String name) {
    return name.endsWith("_head") || name.equals("Faces_easy");
  }

  /** The true groups, each a photo's path followed by its copies' paths. */
  record Truth(List<List<Path>> groups, List<Path> distractors, Map<Path, String> sources) {

    /** Every file of the set. */
    List<Path> files() {
      List<Path> all = new ArrayList<>(groups.stream().flatMap(List::stream).toList());
      all.addAll(distractors);
      return all;
    }

    /**
     * Pair precision and recall of found groups: over the pairs of photos put in one group, the
     * share that are copies of each other (made by the set, or made from Caltech-101 photos that
     * are themselves copies of one picture: {@link #CALTECH_COPIES}); over the pairs the set
     * made, the share found; and the precision that counts Caltech's own copies as wrong.
     */
    double[] precisionRecall(List<List<String>> found) {
      Map<String, Integer> copySet = new HashMap<>();
      Map<String, String> sourceOf = new HashMap<>();
      sources.forEach((p, src) -> sourceOf.put(p.toAbsolutePath().normalize().toString(), src));
      for (int i = 0; i < CALTECH_COPIES.size(); i++) {
        for (String src : CALTECH_COPIES.get(i)) {
          copySet.put(src, i);
        }
      }
      Map<String, Integer> truth = new HashMap<>();
      for (int g = 0; g < groups.size(); g++) {
        for (Path p : groups.get(g)) {
          truth.put(p.toAbsolutePath().normalize().toString(), g);
        }
      }
      long truePairs = 0;
      for (List<Path> g : groups) {
        truePairs += (long) g.size() * (g.size() - 1) / 2;
      }
      long foundPairs = 0;
      long correct = 0;
      long caltechCopies = 0;
      for (List<String> g : found) {
        for (int i = 0; i < g.size(); i++) {
          for (int j = i + 1; j < g.size(); j++) {
            foundPairs++;
            Integer a = truth.get(g.get(i));
            if (a != null && a.equals(truth.get(g.get(j)))) {
              correct++;
            } else {
              Integer sa = copySet.get(sourceOf.get(g.get(i)));
              caltechCopies += sa != null && sa.equals(copySet.get(sourceOf.get(g.get(j)))) ? 1 : 0;
            }
          }
        }
      }
      return new double[] {foundPairs == 0 ? 1 : (correct + caltechCopies) / (double) foundPairs,
          correct / (double) truePairs, foundPairs == 0 ? 1 : correct / (double) foundPairs};
    }

    /** The share of copies (every photo of a group but its first) found in the same group as their original. */
    double originalRecall(List<List<String>> found) {
      Map<String, Integer> groupOf = new HashMap<>();
      for (int g = 0; g < found.size(); g++) {
        for (String p : found.get(g)) {
          groupOf.put(p, g);
        }
      }
      long copies = 0;
      long withOriginal = 0;
      for (List<Path> g : groups) {
        Integer original = groupOf.get(g.get(0).toString());
        for (Path p : g.subList(1, g.size())) {
          copies++;
          withOriginal += original != null && original.equals(groupOf.get(p.toString())) ? 1 : 0;
        }
      }
      return copies == 0 ? 1 : withOriginal / (double) copies;
    }

    /** Per variant, the share of photos found in the same group as their original. */
    double[] variantRecall(List<List<String>> found) {
      Map<String, Integer> groupOf = new HashMap<>();
      for (int g = 0; g < found.size(); g++) {
        for (String p : found.get(g)) {
          groupOf.put(p, g);
        }
      }
      double[] out = new double[VARIANTS.size()];
      for (List<Path> g : groups) {
        Integer original = groupOf.get(g.get(0).toString());
        for (int v = 0; v < VARIANTS.size(); v++) {
          out[v] += original != null && original.equals(groupOf.get(g.get(v + 1).toString())) ? 1 : 0;
        }
      }
      for (int v = 0; v < out.length; v++) {
        out[v] /= groups.size();
      }
      return out;
    }
  }

  /** Writes {@code perClass} photos of each class and their copies into {@code dir}, no distractors, seed 11. */
  static Truth generate(Path dir, Path caltech, List<String> classes, int perClass) throws IOException {
    return generate(dir, caltech, classes, perClass, 0, 11);
  }

  /**
   * Writes {@code perClass} photos of each class with their copies, and {@code distractors} more
   * photos of each class, into {@code dir}, named so that neither class nor group shows in the
   * name; photos are drawn from each class in an order shuffled by {@code seed}.
   */
  static Truth generate(Path dir, Path caltech, List<String> classes, int perClass, int distractors, long seed)
      throws IOException {
    Files.createDirectories(dir);
    List<List<Path>> groups = new ArrayList<>();
    List<Path> others = new ArrayList<>();
    Map<Path, String> sources = new HashMap<>();
    Set<String> seen = new HashSet<>();
    List<byte[]> taken = new ArrayList<>();
    java.util.Random random = new java.util.Random(seed);
    for (String c : classes) {
      if (derivedClass(c)) {
        throw new IllegalArgumentException(c + " is made of crops of another class's photos");
      }
      List<Path> files;
      try (var s = Files.list(caltech.resolve(c))) {
        files = new ArrayList<>(s.sorted().toList());
      }
      java.util.Collections.shuffle(files, random);
      int made = 0;
      for (int f = 0; f < files.size() && made < perClass + distractors; f++) {
        BufferedImage img = rgb(ImageIO.read(files.get(f).toFile()));
        if (!unlikeAll(img, taken)) {
          continue;
        }
        String source = c + "/" + files.get(f).getFileName();
        Path original = jpeg(img, dir, name(random, seen), 0.95f);
        sources.put(original, source);
        if (made++ >= perClass) {
          others.add(original);
          continue;
        }
        List<Path> group = new ArrayList<>();
        group.add(original);
        group.add(jpeg(scaled(img, 0.6), dir, name(random, seen), 0.9f));
        group.add(jpeg(img, dir, name(random, seen), 0.35f));
        group.add(jpeg(recoloured(img, random), dir, name(random, seen), 0.9f));
        group.add(jpeg(mirrored(img), dir, name(random, seen), 0.9f));
        group.add(jpeg(rotated(img, (random.nextBoolean() ? 1 : -1) * (3 + 2 * random.nextDouble())), dir,
            name(random, seen), 0.9f));
        group.add(jpeg(cropped(img, 0.8, random), dir, name(random, seen), 0.9f));
        groups.add(group);
        group.forEach(p -> sources.put(p, source));
      }
    }
    return new Truth(groups, others, sources);
  }

  /**
   * Writes {@code total} photos into {@code dir} for measurements at scale: every photo of the
   * classes, each followed by copies altered at random as {@link #generate} alters them, as many
   * as reach {@code total}; returns the number written. Files are named by class, photo and copy.
   */
  static int generateAtScale(Path dir, Path caltech, List<String> classes, int total, long seed) throws IOException {
    Files.createDirectories(dir);
    List<Path> sources = scaleSources(caltech, classes);
    int copies = Math.max(0, (total + sources.size() - 1) / sources.size() - 1);
    java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
    java.util.stream.IntStream.range(0, sources.size()).parallel().forEach(i -> {
      java.util.Random random = new java.util.Random(seed * 1_000_003L + i);
      try {
        BufferedImage img = rgb(ImageIO.read(sources.get(i).toFile()));
        for (int k = 0; k <= copies; k++) {
          if (written.getAndIncrement() >= total) {
            return;
          }
          BufferedImage x = k == 0 ? img : switch (random.nextInt(6)) {
            case 0 -> scaled(img, 0.5 + 0.3 * random.nextDouble());
            case 1 -> img;
            case 2 -> recoloured(img, random);
            case 3 -> mirrored(img);
            case 4 -> rotated(img, (random.nextBoolean() ? 1 : -1) * (3 + 2 * random.nextDouble()));
            default -> cropped(img, 0.8, random);
          };
          jpeg(x, dir, String.format(java.util.Locale.ROOT, "P%05d_%02d.jpg", i, k), k == 0 ? 0.95f : 0.35f + 0.55f * random.nextFloat());
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    return Math.min(total, written.get());
  }

  /** The source photos of {@link #generateAtScale}, in the order their numbers count. */
  private static List<Path> scaleSources(Path caltech, List<String> classes) throws IOException {
    List<Path> sources = new ArrayList<>();
    for (String c : classes) {
      try (var s = Files.list(caltech.resolve(c))) {
        sources.addAll(s.sorted().toList());
      }
    }
    return sources;
  }

  /**
   * The true groups of a folder {@link #generateAtScale} wrote: each source photo ({@code _00})
   * followed by its copies, with the Caltech-101 photo each came from.
   */
  static Truth truthAtScale(Path dir, Path caltech, List<String> classes) throws IOException {
    List<Path> sources = scaleSources(caltech, classes);
    java.util.TreeMap<Integer, List<Path>> bySource = new java.util.TreeMap<>();
    Map<Path, String> from = new HashMap<>();
    try (var s = Files.list(dir)) {
      for (Path p : s.sorted().toList()) {
        String name = p.getFileName().toString();
        if (!name.matches("P\\d{5}_\\d{2}\\.jpg")) {
          continue;
        }
        int source = Integer.parseInt(name.substring(1, 6));
        bySource.computeIfAbsent(source, x -> new ArrayList<>()).add(p.toAbsolutePath().normalize());
        Path src = sources.get(source);
        from.put(p.toAbsolutePath().normalize(), src.getParent().getFileName() + "/" + src.getFileName());
      }
    }
    return new Truth(List.copyOf(bySource.values()), List.of(), from);
  }

  /** Whether an image's hash, as it is and mirrored, is more than 12 bits from every hash taken; if so it is taken. */
  private static boolean unlikeAll(BufferedImage img, List<byte[]> taken) {
    byte[] h = dev.nhl.encoder.image.PerceptualHash.of(img);
    byte[] m = dev.nhl.encoder.image.PerceptualHash.of(mirrored(img));
    for (byte[] t : taken) {
      if (dev.nhl.index.Codes.hamming(t, h, 64) <= 12 || dev.nhl.index.Codes.hamming(t, m, 64) <= 12) {
        return false;
      }
    }
    taken.add(h);
    return true;
  }

  /** Two copies of a photo in {@code dir}: resized to half, and recompressed at quality 0.3. */
  static List<Path> copies(Path photo, Path dir) throws IOException {
    BufferedImage img = ImageIO.read(photo.toFile());
    return List.of(jpeg(scaled(img, 0.5), dir, "copy-resized.jpg", 0.9f),
        jpeg(rgb(img), dir, "copy-recompressed.jpg", 0.3f));
  }

  private static String name(java.util.Random random, Set<String> seen) {
    String s;
    do {
      s = String.format("IMG_%05d.jpg", random.nextInt(100_000));
    } while (!seen.add(s));
    return s;
  }

  private static BufferedImage rgb(BufferedImage img) {
    BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.drawImage(img, 0, 0, null);
    g.dispose();
    return out;
  }

  private static BufferedImage scaled(BufferedImage img, double f) {
    int w = Math.max(1, (int) Math.round(img.getWidth() * f));
    int h = Math.max(1, (int) Math.round(img.getHeight() * f));
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(img, 0, 0, w, h, null);
    g.dispose();
    return out;
  }

  /** Contrast, brightness and a colour cast, each drawn at random. */
  private static BufferedImage recoloured(BufferedImage img, java.util.Random random) {
    double contrast = 0.8 + 0.4 * random.nextDouble();
    double brightness = -25 + 50 * random.nextDouble();
    double[] gain = {1 + 0.15 * (2 * random.nextDouble() - 1), 1, 1 + 0.15 * (2 * random.nextDouble() - 1)};
    BufferedImage out = rgb(img);
    for (int y = 0; y < out.getHeight(); y++) {
      for (int x = 0; x < out.getWidth(); x++) {
        int p = out.getRGB(x, y);
        int q = 0;
        for (int c = 0; c < 3; c++) {
          int v = (p >> (16 - 8 * c)) & 0xFF;
          q = (q << 8) | clamp((int) Math.round(((v - 128) * contrast + 128 + brightness) * gain[c]));
        }
        out.setRGB(x, y, q);
      }
    }
    return out;
  }

  private static BufferedImage mirrored(BufferedImage img) {
    int w = img.getWidth();
    BufferedImage out = new BufferedImage(w, img.getHeight(), BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < w; x++) {
        out.setRGB(w - 1 - x, y, img.getRGB(x, y));
      }
    }
    return out;
  }

  /** Rotated by {@code degrees} about the centre and cropped to the largest rectangle of the same shape inside. */
  private static BufferedImage rotated(BufferedImage img, double degrees) {
    int w = img.getWidth();
    int h = img.getHeight();
    double t = Math.toRadians(Math.abs(degrees));
    double fit = Math.min(w / (w * Math.cos(t) + h * Math.sin(t)), h / (h * Math.cos(t) + w * Math.sin(t)));
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    java.awt.geom.AffineTransform at = new java.awt.geom.AffineTransform();
    at.translate(w / 2.0, h / 2.0);
    at.scale(1 / fit, 1 / fit);
    at.rotate(Math.toRadians(degrees));
    at.translate(-w / 2.0, -h / 2.0);
    g.drawImage(img, at, null);
    g.dispose();
    return out;
  }

  /** {@code f} of each side, at a random place. */
  private static BufferedImage cropped(BufferedImage img, double f, java.util.Random random) {
    int w = (int) Math.round(img.getWidth() * f);
    int h = (int) Math.round(img.getHeight() * f);
    int x = random.nextInt(img.getWidth() - w + 1);
    int y = random.nextInt(img.getHeight() - h + 1);
    return rgb(img).getSubimage(x, y, w, h);
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }

  private static Path jpeg(BufferedImage img, Path dir, String name, float quality) throws IOException {
    Path file = dir.resolve(name);
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality);
      // a cropped subimage shares its parent's raster; a copy gives the writer plain pixels
      writer.write(null, new IIOImage(copy(img), null, null), param);
    } finally {
      writer.dispose();
    }
    return file.toAbsolutePath().normalize();
  }

  private static BufferedImage copy(BufferedImage img) {
    BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.drawImage(img, 0, 0, null);
    g.dispose();
    return out;
  }
}
