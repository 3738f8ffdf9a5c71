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
 * beside each other), each with four altered copies: resized to half, recompressed at JPEG
 * quality 0.3, cropped to its centre 90% (each side), and colour-shifted. A photo and its copies are one true
 * group.
 */
final class NearDuplicateSet {

  /** Variants made of each photo, besides the photo itself. */
  static final List<String> VARIANTS = List.of("resized", "recompressed", "cropped", "colour");

  private NearDuplicateSet() {}

  /** The true groups, each a photo's path followed by its copies' paths. */
  record Truth(List<List<Path>> groups) {

    /** Every file of the set. */
    List<Path> files() {
      return groups.stream().flatMap(List::stream).toList();
    }

    /**
     * Pair precision and recall of found groups: over the pairs of photos put in one group, the
     * share that are truly copies of each other; over the true pairs, the share found.
     */
    double[] precisionRecall(List<List<String>> found) {
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
      for (List<String> g : found) {
        for (int i = 0; i < g.size(); i++) {
          for (int j = i + 1; j < g.size(); j++) {
            foundPairs++;
            Integer a = truth.get(g.get(i));
            correct += a != null && a.equals(truth.get(g.get(j))) ? 1 : 0;
          }
        }
      }
      return new double[] {foundPairs == 0 ? 1 : correct / (double) foundPairs, correct / (double) truePairs};
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

  /**
   * Writes {@code perClass} photos of each class and their copies into {@code dir}, named so that
   * neither class nor group shows in the name.
   */
  static Truth generate(Path dir, Path caltech, List<String> classes, int perClass) throws IOException {
    Files.createDirectories(dir);
    List<List<Path>> groups = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    int n = 0;
    java.util.Random random = new java.util.Random(11);
    for (String c : classes) {
      List<Path> files;
      try (var s = Files.list(caltech.resolve(c))) {
        files = s.sorted().toList();
      }
      for (int i = 0; i < perClass; i++) {
        BufferedImage img = ImageIO.read(files.get(i * 3).toFile());
        List<Path> group = new ArrayList<>();
        n++;
        group.add(jpeg(rgb(img), dir, name(random, seen), 0.95f));
        group.add(jpeg(scaled(img, 0.5), dir, name(random, seen), 0.9f));
        group.add(jpeg(rgb(img), dir, name(random, seen), 0.3f));
        group.add(jpeg(cropped(img, 0.9), dir, name(random, seen), 0.9f));
        group.add(jpeg(colourShifted(img), dir, name(random, seen), 0.9f));
        groups.add(group);
      }
    }
    return new Truth(groups);
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

  /** The centre {@code f} of each side: the borders trimmed. */
  private static BufferedImage cropped(BufferedImage img, double f) {
    int w = (int) Math.round(img.getWidth() * f);
    int h = (int) Math.round(img.getHeight() * f);
    return rgb(img).getSubimage((img.getWidth() - w) / 2, (img.getHeight() - h) / 2, w, h);
  }

  /** Warmer and brighter: red up, blue down, every channel lifted. */
  private static BufferedImage colourShifted(BufferedImage img) {
    BufferedImage out = rgb(img);
    for (int y = 0; y < out.getHeight(); y++) {
      for (int x = 0; x < out.getWidth(); x++) {
        int p = out.getRGB(x, y);
        int r = clamp((int) (((p >> 16) & 0xFF) * 1.15) + 12);
        int gr = clamp(((p >> 8) & 0xFF) + 12);
        int b = clamp((int) ((p & 0xFF) * 0.85) + 12);
        out.setRGB(x, y, (r << 16) | (gr << 8) | b);
      }
    }
    return out;
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
