package dev.nhl.encoder.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.encoder.ImageEncoder;
import dev.nhl.encoder.onnx.OnnxModels;
import dev.nhl.encoder.onnx.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackboneLabelsTest {

  /**
   * Logits {2, 1, 0.1, -1}: e^x = 7.389, 2.718, 1.105, 0.368 (sum 11.580), so the probabilities
   * are 0.638, 0.235, 0.095, 0.032.
   */
  static final float[] LOGITS = {2f, 1f, 0.1f, -1f};

  @Test
  void softmaxOfLogitsWorkedExample() {
    BackboneLabels l = BackboneLabels.derive(LOGITS, 1, 4, 0, 4, new BackboneLabels.Options(0.1, 3));
    assertArrayEquals(new int[] {0, 1}, l.classes(0));
    float[] p = l.probabilities(0);
    assertEquals(0.638, p[0], 1e-3);
    assertEquals(0.235, p[1], 1e-3);
    assertArrayEquals(new int[] {0, 1, 2}, BackboneLabels.derive(LOGITS, 1, 4, 0, 4,
        new BackboneLabels.Options(0.09, 3)).classes(0));
    assertArrayEquals(new int[] {0}, BackboneLabels.derive(LOGITS, 1, 4, 0, 4,
        new BackboneLabels.Options(0.09, 1)).classes(0));
    assertArrayEquals(new int[] {}, BackboneLabels.derive(LOGITS, 1, 4, 0, 4,
        new BackboneLabels.Options(0.7, 3)).classes(0));
  }

  @Test
  void probabilitiesAreTakenAsTheyAre() {
    float[] p = {0.7f, 0.2f, 0.1f, 0f};
    BackboneLabels l = BackboneLabels.derive(p, 1, 4, 0, 4, new BackboneLabels.Options(0.15, 3));
    assertArrayEquals(new int[] {0, 1}, l.classes(0));
    assertEquals(0.7f, l.probabilities(0)[0]);
  }

  /**
   * Rows of features then scores, read in place; unlabelled photos left out of the labels; the
   * classes in use numbered densely in backbone order.
   */
  @Test
  void rowsOfFeaturesAndScores() {
    float[] rows = {
        9f, 9f, /* scores */ 0f, 5f, 0f, 0f, 0f,
        9f, 9f, /* flat: no class reaches 0.5 */ 1f, 1f, 1f, 1f, 1f,
        9f, 9f, /* scores */ 5f, 5f, 0f, 0f, -5f,
        9f, 9f, /* scores */ 0f, 0f, 0f, 0f, 7f};
    BackboneLabels l = BackboneLabels.derive(rows, 4, 7, 2, 5, new BackboneLabels.Options(0.4, 2));
    assertEquals(4, l.size());
    assertEquals(5, l.backboneClasses());
    assertArrayEquals(new int[] {1}, l.classes(0));
    assertArrayEquals(new int[] {}, l.classes(1));
    // a tie in probability goes to the lower class first
    assertArrayEquals(new int[] {0, 1}, l.classes(2));
    assertArrayEquals(new int[] {4}, l.classes(3));
    assertArrayEquals(new int[] {0, 2, 3}, l.labelled());
    assertEquals(3, l.classesInUse());
    assertEquals(4 / 3.0, l.labelsPerPhoto(), 1e-12);
    Labels labels = l.labels();
    assertEquals(3, labels.size());
    assertEquals(3, labels.classes());
    assertArrayEquals(new int[] {1}, labels.of(0));
    assertArrayEquals(new int[] {0, 1}, labels.of(1));
    assertArrayEquals(new int[] {2}, labels.of(2));
    assertEquals(4, l.backboneClass(2));
    assertTrue(labels.relevant(0, labels, 1));
  }

  @Test
  void badInput() {
    assertEquals("label threshold must be in (0, 1], got 0.0",
        assertThrows(IllegalArgumentException.class, () -> new BackboneLabels.Options(0, 3)).getMessage());
    assertEquals("labels per photo must be at least 1, got 0",
        assertThrows(IllegalArgumentException.class, () -> new BackboneLabels.Options(0.1, 0)).getMessage());
    assertEquals("score 1 of row 0 is NaN; scores must be finite", assertThrows(IllegalArgumentException.class,
        () -> BackboneLabels.derive(new float[] {1f, Float.NaN}, 1, 2, 0, 2, BackboneLabels.Options.DEFAULTS)).getMessage());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BackboneLabels.derive(new float[10], 2, 5, 3, 3, BackboneLabels.Options.DEFAULTS));
    assertTrue(e.getMessage().contains("3 scores at offset 3"), e.getMessage());
  }

  /**
   * On real photos: the extractor's scores are the backbone's own output for the same image, its
   * features those of the plain extractor, and each photo's first label is the backbone's top
   * class computed from its output independently.
   */
  @Test
  void labelsFollowTheBackbonesOwnScores(@TempDir Path dir) throws Exception {
    byte[] backbone = TestModels.mobilenet();
    List<Path> photos = new ArrayList<>(TestModels.caltech("accordion", 3));
    photos.addAll(TestModels.caltech("pizza", 3));
    Path whole = dir.resolve("backbone.onnx");
    OnnxModels.write(backbone, whole);
    Path both = dir.resolve("both.onnx");
    OnnxModels.write(OnnxModels.featureExtractor(backbone, "627", "output"), both);
    Path features = dir.resolve("features.onnx");
    OnnxModels.write(OnnxModels.featureExtractor(backbone, "627"), features);
    int featureDim = OnnxModels.featureDim(backbone, "627");
    assertEquals(1280, featureDim);
    List<ImageEncoder.Result> logits;
    List<ImageEncoder.Result> combined;
    List<ImageEncoder.Result> plain;
    try (ImageEncoder a = ImageEncoder.open(whole, ImageEncoder.Options.defaults());
        ImageEncoder b = ImageEncoder.open(both, ImageEncoder.Options.defaults());
        ImageEncoder c = ImageEncoder.open(features, ImageEncoder.Options.defaults())) {
      assertEquals(1000, a.outputDim());
      assertEquals(1280 + 1000, b.outputDim());
      logits = a.encode(photos);
      combined = b.encode(photos);
      plain = c.encode(photos);
    }
    float[] rows = new float[photos.size() * 2280];
    for (int i = 0; i < photos.size(); i++) {
      float[] o = combined.get(i).outputs();
      for (int j = 0; j < 1000; j++) {
        assertEquals(logits.get(i).outputs()[j], o[featureDim + j], 1e-4f, "photo " + i + " score " + j);
      }
      for (int j = 0; j < featureDim; j++) {
        assertEquals(plain.get(i).outputs()[j], o[j], 1e-4f, "photo " + i + " feature " + j);
      }
      System.arraycopy(o, 0, rows, i * 2280, 2280);
    }
    BackboneLabels l = BackboneLabels.derive(rows, photos.size(), 2280, featureDim, 1000,
        new BackboneLabels.Options(1e-6, 3));
    for (int i = 0; i < photos.size(); i++) {
      float[] s = logits.get(i).outputs();
      int top = 0;
      for (int j = 1; j < s.length; j++) {
        top = s[j] > s[top] ? j : top;
      }
      assertEquals(top, l.classes(i)[0], "photo " + photos.get(i));
      assertEquals(3, l.classes(i).length);
    }
    // ImageNet has both: accordion is class 401, pizza 963
    assertEquals(401, l.classes(0)[0]);
    assertEquals(963, l.classes(3)[0]);
  }

  @Test
  void scoreTensorMustExistAndBeAMatrix() throws Exception {
    byte[] backbone = TestModels.mobilenet();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxModels.featureExtractor(backbone, "627", "no_such"));
    assertTrue(e.getMessage().contains("no tensor named 'no_such'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> OnnxModels.featureExtractor(backbone, "627", "627"));
    assertTrue(e.getMessage().contains("score tensor '627' has shape"), e.getMessage());
  }
}
