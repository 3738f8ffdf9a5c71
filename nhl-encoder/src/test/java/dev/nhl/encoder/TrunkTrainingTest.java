package dev.nhl.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.encoder.image.Augmentation;
import dev.nhl.encoder.image.ImageDecoder;
import dev.nhl.encoder.image.Preprocessing;
import dev.nhl.encoder.model.ModelContract;
import dev.nhl.encoder.onnx.OnnxModels;
import dev.nhl.encoder.onnx.TestModels;
import dev.nhl.encoder.training.Labels;
import dev.nhl.encoder.training.NhlHead;
import dev.nhl.encoder.training.NhlTrainer;
import dev.nhl.encoder.training.TrainerConfig;
import dev.nhl.encoder.training.Trunk;
import dev.nhl.encoder.training.TrunkMaps;
import dev.nhl.index.CodeSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MobileNetV2's last convolution trained with a head on Caltech-101 photos, then composed into one
 * model: ONNX Runtime's outputs from the photos equal Java's trunk and head on the same photos'
 * maps, and the trunk did change.
 */
class TrunkTrainingTest {

  @Test
  void trainedTrunkComposesIntoTheModel(@TempDir Path dir) throws Exception {
    byte[] backbone = TestModels.mobilenet();
    OnnxModels.TrunkSite site = OnnxModels.trunkSite(backbone, "627");
    List<Path> photos = new ArrayList<>();
    int[] classes = new int[24];
    String[] names = {"accordion", "brain", "pizza"};
    for (int c = 0; c < names.length; c++) {
      List<Path> some = TestModels.caltech(names[c], 8);
      for (int i = 0; i < some.size(); i++) {
        classes[photos.size()] = c;
        photos.add(some.get(i));
      }
    }
    TrunkMaps maps = TrunkInputs.read(backbone, site, photos, 3, 7, Preprocessing.imagenet());
    assertEquals(24, maps.items());
    assertEquals(3, maps.views());

    TrainerConfig config = TrainerConfig.builder(CodeSpec.of(8, 16, 32)).batchSize(8).epochs(3)
        .validationFraction(0).trunkLearningRate(1e-3).seed(5).build();
    NhlTrainer.TrunkAndHead trained = new NhlTrainer(config).train(maps, site.trunk(), Labels.single(classes, 3), null);
    Trunk trunk = trained.trunk();
    NhlHead head = trained.head();
    assertFalse(java.util.Arrays.equals(site.trunk().weights(), trunk.weights()), "the trunk was trained");

    Path model = dir.resolve("trained.onnx");
    OnnxModels.write(OnnxModels.compose(backbone, site, trunk, head), model);
    List<ImageEncoder.Result> results;
    try (ImageEncoder enc = ImageEncoder.open(model, ImageEncoder.Options.defaults().withDevice(Device.CPU))) {
      assertEquals(CodeSpec.of(8, 16, 32), enc.spec());
      results = enc.encode(photos);
    }
    // Java: the plain view's maps, dequantized, through the trained trunk and head
    int[] all = java.util.stream.IntStream.range(0, photos.size()).toArray();
    float[] fromJava = head.outputs(trunk.features(maps.maps(all, new int[all.length])));
    int codesEqual = 0;
    for (int i = 0; i < photos.size(); i++) {
      assertTrue(results.get(i).ok(), results.get(i).error());
      float[] expected = java.util.Arrays.copyOfRange(fromJava, i * 32, (i + 1) * 32);
      TestModels.assertClose(expected, results.get(i).outputs(), 1e-4, "photo " + photos.get(i));
      codesEqual += java.util.Arrays.equals(ModelContract.codes(expected, 32)[0], results.get(i).code()) ? 1 : 0;
    }
    // a code differs only where an output sits within rounding of 0
    assertTrue(codesEqual >= photos.size() - 1, codesEqual + " of " + photos.size() + " codes equal");
  }

  /** The first view of a reduced-size image is the image; other views are parts of it, some mirrored. */
  @Test
  void viewsAreCropsOfTheImage() throws Exception {
    ImageDecoder.Pixels p = ImageDecoder.decode(TestModels.caltech("brain", 1).get(0));
    assertEquals(p, Augmentation.view(p, 0, 3));
    for (int k = 1; k < 20; k++) {
      ImageDecoder.Pixels v = Augmentation.view(p, k, 3);
      assertTrue(v.width() <= p.width() && v.height() <= p.height(), "view " + k);
      assertTrue(v.width() * (long) v.height() >= p.width() * (long) p.height() * 0.45, "view " + k + " keeps half the area");
      assertArrayEquals(v.rgb(), Augmentation.view(p, k, 3).rgb(), "view " + k + " is the same every time");
    }
  }
}
