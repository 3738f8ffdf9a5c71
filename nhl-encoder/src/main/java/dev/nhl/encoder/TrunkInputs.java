package dev.nhl.encoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nhl.encoder.image.Augmentation;
import dev.nhl.encoder.image.ImageDecoder;
import dev.nhl.encoder.image.Preprocessing;
import dev.nhl.encoder.model.ModelContract;
import dev.nhl.encoder.onnx.OnnxModels;
import dev.nhl.encoder.training.TrunkMaps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The maps a trunk trains on: runs the backbone up to its trunk ({@link OnnxModels#trunkInputs})
 * over images and views of them ({@link Augmentation}), on the CPU, a worker a core as {@link
 * ImageEncoder} does, and keeps the maps as the backbone stores them (a byte a value).
 */
public final class TrunkInputs {

  private static final int BATCH = 32;

  private TrunkInputs() {}

  /**
   * The maps of every image at views 0 to {@code views - 1}.
   *
   * @param backbone the backbone's ONNX model
   * @param site where its trunk sits ({@link OnnxModels#trunkSite})
   * @param images the images, all of which must decode
   * @param views views per image, at least 1 (view 0 is the image itself)
   * @param seed the seed the augmented views are drawn from
   * @param preprocessing how an image becomes the model's input (its crop must fit the model)
   * @throws IOException if an image cannot be decoded (named in the message) or ONNX Runtime
   *     cannot run the model
   */
  public static TrunkMaps read(byte[] backbone, OnnxModels.TrunkSite site, List<Path> images, int views, long seed,
      Preprocessing preprocessing) throws IOException {
    if (views < 1) {
      throw new IllegalArgumentException("views must be at least 1, got " + views);
    }
    int mapSize = site.trunk().inputChannels() * site.trunk().positions();
    long total = (long) images.size() * views * mapSize;
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(images.size() + " images x " + views + " views of " + mapSize
          + " values do not fit one array; use fewer views or images");
    }
    byte[] data = new byte[(int) total];
    int workers = Runtime.getRuntime().availableProcessors();
    OrtSessions.Opened opened = OrtSessions.open(OnnxModels.trunkInputs(backbone, site), Device.CPU, 1,
        OrtEnvironment.getAvailableProviders(), OrtSessions::addCuda, "trunk inputs");
    ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
      Thread t = new Thread(r, "nhl-trunk-inputs");
      t.setDaemon(true);
      return t;
    });
    try (OrtSession session = opened.session()) {
      String input = session.getInputNames().iterator().next();
      List<Future<Void>> parts = new ArrayList<>();
      long jobs = (long) images.size() * views;
      for (long from = 0; from < jobs; from += BATCH) {
        long start = from;
        int n = (int) Math.min(BATCH, jobs - from);
        parts.add(pool.submit(() -> {
          run(session, input, images, views, seed, preprocessing, start, n, data, mapSize);
          return null;
        }));
      }
      for (Future<Void> f : parts) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading trunk inputs", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
    } catch (OrtException e) {
      throw new IOException("ONNX Runtime failed: " + e.getMessage(), e);
    } finally {
      pool.shutdownNow();
    }
    return new TrunkMaps(images.size(), views, mapSize, data, site.inputScale(), site.inputZeroPoint(), site.signed());
  }

  /** Decodes, augments and runs {@code n} (image, view) jobs from {@code start}, writing their maps. */
  private static void run(OrtSession session, String input, List<Path> images, int views, long seed,
      Preprocessing preprocessing, long start, int n, byte[] data, int mapSize) throws IOException, OrtException {
    int s = preprocessing.cropSize();
    int size = 3 * s * s;
    float[] batch = new float[n * size];
    ImageDecoder.Pixels decoded = null;
    int decodedImage = -1;
    for (int i = 0; i < n; i++) {
      long job = start + i;
      int image = (int) (job / views);
      int view = (int) (job % views);
      if (image != decodedImage) {
        decoded = ImageDecoder.decode(images.get(image), preprocessing.resizeShortSide());
        decodedImage = image;
      }
      // the views of one image draw from a seed of their own, whichever batch they fall in
      ImageDecoder.Pixels v = Augmentation.view(decoded, view, seed * 1_000_003L + image);
      preprocessing.tensor(v.rgb(), v.width(), v.height(), 3, batch, i * size);
    }
    try (OnnxTensor t = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(batch),
            new long[] {n, 3, s, s});
        OrtSession.Result r = session.run(Map.of(input, t))) {
      ByteBuffer out = ((OnnxTensor) r.get(ModelContract.TRUNK_INPUT).orElseThrow()).getByteBuffer();
      if (out.remaining() != (long) n * mapSize) {
        throw new IOException("the trunk input model gave " + out.remaining() + " values for " + n + " maps of " + mapSize);
      }
      out.get(data, (int) (start * mapSize), n * mapSize);
    }
  }
}
