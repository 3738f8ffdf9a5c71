package dev.nhl.encoder;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.nhl.encoder.image.ImageDecoder;
import dev.nhl.encoder.image.LocalFeatures;
import dev.nhl.encoder.image.PerceptualHash;
import dev.nhl.encoder.image.Preprocessing;
import dev.nhl.encoder.model.ModelContract;
import dev.nhl.index.CodeSpec;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Encodes images with an ONNX model in ONNX Runtime: a pool of worker threads, each decoding,
 * preprocessing and running a batch at a time. With a model that carries a code spec ({@code OnnxModels.compose})
 * every result has its nested code; with any other model of one image input and one {@code [N,
 * D]} output (such as {@code OnnxModels.featureExtractor}) results have the outputs only.
 *
 * <p>The execution provider is CUDA when the GPU build of ONNX Runtime ({@code onnxruntime_gpu},
 * Maven profile {@code gpu}) is on the class path and a GPU answers, CPU otherwise; {@link
 * Device} or the system property {@code nhl.encoder.device} ({@code auto}, {@code cpu}, {@code
 * cuda}) overrides the choice. One log line says which was taken. Thread-safe; close it to free
 * the session and the decoding threads.
 *
 * @see Device
 */
public final class ImageEncoder implements AutoCloseable {

  /**
   * Encoder options.
   *
   * @param preprocessing image to tensor (default {@link Preprocessing#imagenet()}; the crop
   *     follows the model's input size when that is fixed)
   * @param batchSize images per inference call (default 32)
   * @param decodeThreads worker threads, each decoding, preprocessing and running whole batches
   *     (default: available cores); on the CPU each runs ONNX Runtime on its own thread
   * @param device execution provider choice (default: {@code nhl.encoder.device}, else AUTO)
   * @param maxPixels images that declare more pixels are not decoded but reported as failed
   *     (default {@link ImageDecoder#DEFAULT_MAX_PIXELS}); below it, large images are decoded
   *     reduced to what the preprocessing needs, so memory does not grow with their size
   * @param copyDetection whether each result also carries what tells copies of a photo apart from
   *     other photos: its mirrored perceptual hash and its {@link LocalFeatures} (default false;
   *     about 10 ms more an image)
   */
  public record Options(Preprocessing preprocessing, int batchSize, int decodeThreads, Device device, long maxPixels,
      boolean copyDetection) {
    /** Validates the values. */
    public Options {
      if (batchSize < 1 || decodeThreads < 1) {
        throw new IllegalArgumentException("batch size and decode threads must be at least 1, got "
            + batchSize + " and " + decodeThreads);
      }
      if (maxPixels < 1) {
        throw new IllegalArgumentException("the pixel limit must be at least 1, got " + maxPixels);
      }
      java.util.Objects.requireNonNull(preprocessing, "preprocessing");
      java.util.Objects.requireNonNull(device, "device");
    }

    /** Options without copy detection. */
    public Options(Preprocessing preprocessing, int batchSize, int decodeThreads, Device device, long maxPixels) {
      this(preprocessing, batchSize, decodeThreads, device, maxPixels, false);
    }

    /** Options with the default pixel limit ({@link ImageDecoder#DEFAULT_MAX_PIXELS}), without copy detection. */
    public Options(Preprocessing preprocessing, int batchSize, int decodeThreads, Device device) {
      this(preprocessing, batchSize, decodeThreads, device, ImageDecoder.DEFAULT_MAX_PIXELS);
    }

    /** The defaults. */
    public static Options defaults() {
      return new Options(Preprocessing.imagenet(), 32, Runtime.getRuntime().availableProcessors(), Device.fromProperty());
    }

    /** The same with another batch size. */
    public Options withBatchSize(int n) {
      return new Options(preprocessing, n, decodeThreads, device, maxPixels, copyDetection);
    }

    /** The same with another number of decoding threads. */
    public Options withDecodeThreads(int n) {
      return new Options(preprocessing, batchSize, n, device, maxPixels, copyDetection);
    }

    /** The same with another device. */
    public Options withDevice(Device d) {
      return new Options(preprocessing, batchSize, decodeThreads, d, maxPixels, copyDetection);
    }

    /** The same with other preprocessing. */
    public Options withPreprocessing(Preprocessing p) {
      return new Options(p, batchSize, decodeThreads, device, maxPixels, copyDetection);
    }

    /** The same with another pixel limit. */
    public Options withMaxPixels(long limit) {
      return new Options(preprocessing, batchSize, decodeThreads, device, limit, copyDetection);
    }

    /** The same with copy detection on or off. */
    public Options withCopyDetection(boolean on) {
      return new Options(preprocessing, batchSize, decodeThreads, device, maxPixels, on);
    }
  }

  /**
   * One image's result: its outputs and code, or why it failed.
   *
   * @param path the image
   * @param outputs the model's outputs for it (null on failure)
   * @param code its nested code in nhl-index's layout (null on failure or without a code spec)
   * @param perceptualHash its {@link PerceptualHash} (null on failure)
   * @param mirroredHash its {@link PerceptualHash#ofMirrored mirrored hash} (null on failure or
   *     without {@link Options#copyDetection})
   * @param localFeatures its {@link LocalFeatures} (null on failure or without {@link
   *     Options#copyDetection})
   * @param error what went wrong (null on success)
   */
  public record Result(Path path, float[] outputs, byte[] code, byte[] perceptualHash, byte[] mirroredHash,
      byte[] localFeatures, String error) {

    /** A result without copy detection. */
    public Result(Path path, float[] outputs, byte[] code, byte[] perceptualHash, String error) {
      this(path, outputs, code, perceptualHash, null, null, error);
    }

    /** A result without a perceptual hash. */
    public Result(Path path, float[] outputs, byte[] code, String error) {
      this(path, outputs, code, null, error);
    }

    /** Whether the image was encoded. */
    public boolean ok() {
      return error == null;
    }
  }

  private final OrtEnvironment env;
  private final OrtSession session;
  private final String inputName;
  private final String outputName;
  private final int channels;
  private final int outputDim;
  private final CodeSpec spec;
  private final Options options;
  private final Preprocessing preprocessing;
  private final Device provider;
  private final ExecutorService workers;
  /** Each worker thread's input tensor, kept from batch to batch ({@link #run}). */
  private final ThreadLocal<FloatBuffer> workerInputs = new ThreadLocal<>();

  private ImageEncoder(OrtEnvironment env, OrtSession session, Options options, Device provider) throws OrtException {
    this.env = env;
    this.session = session;
    this.options = options;
    this.provider = provider;
    Map<String, NodeInfo> inputs = session.getInputInfo();
    if (inputs.size() != 1) {
      throw new IllegalArgumentException("expected a model with one image input [N, C, H, W], got inputs " + describe(inputs));
    }
    NodeInfo in = inputs.values().iterator().next();
    long[] shape = in.getInfo() instanceof TensorInfo ti && ti.type == OnnxJavaType.FLOAT ? ti.getShape() : null;
    if (shape == null || shape.length != 4 || (shape[1] != 1 && shape[1] != 3)) {
      throw new IllegalArgumentException("expected a float image input [N, 1 or 3, H, W], got " + describe(inputs));
    }
    if (shape[2] > 0 && shape[3] > 0 && shape[2] != shape[3]) {
      throw new IllegalArgumentException("expected a square image input, got " + describe(inputs));
    }
    this.inputName = in.getName();
    this.channels = (int) shape[1];
    this.preprocessing = shape[2] > 0 && shape[2] != options.preprocessing().cropSize()
        ? options.preprocessing().withCrop((int) shape[2])
        : options.preprocessing();
    this.spec = ModelContract.spec(session.getMetadata().getCustomMetadata());
    Map<String, NodeInfo> outputs = session.getOutputInfo();
    String out = spec != null ? ModelContract.OUTPUTS : outputs.size() == 1 ? outputs.keySet().iterator().next() : null;
    NodeInfo oi = out == null ? null : outputs.get(out);
    long[] oshape = oi != null && oi.getInfo() instanceof TensorInfo t ? t.getShape() : null;
    if (oshape == null || oshape.length != 2 || oshape[1] <= 0) {
      throw new IllegalArgumentException("expected " + (spec != null ? "output " + ModelContract.OUTPUTS : "one output")
          + " of shape [N, D], got outputs " + describe(outputs));
    }
    if (spec != null && oshape[1] != spec.maxBits()) {
      throw new IllegalArgumentException("output " + out + " has " + oshape[1] + " values but the code spec "
          + spec + " needs " + spec.maxBits());
    }
    this.outputName = out;
    this.outputDim = (int) oshape[1];
    this.workers = Executors.newFixedThreadPool(options.decodeThreads(), r -> {
      Thread t = new Thread(r, "nhl-image-encoder");
      t.setDaemon(true);
      return t;
    });
  }

  private static String describe(Map<String, NodeInfo> infos) {
    List<String> parts = new ArrayList<>();
    for (NodeInfo n : infos.values()) {
      parts.add(n.getName() + (n.getInfo() instanceof TensorInfo t ? " " + t.type + Arrays.toString(t.getShape()) : " (not a tensor)"));
    }
    return parts.toString();
  }

  /**
   * Opens a model.
   *
   * @throws NoSuchFileException if the model file is missing
   * @throws IOException if ONNX Runtime cannot load it
   * @throws IllegalArgumentException if it lacks one image input or a usable output, or CUDA was
   *     required and cannot be had
   */
  public static ImageEncoder open(Path model, Options options) throws IOException {
    return OrtSessions.openFile(model, options.device(), intraOpThreads(options),
        (session, used) -> new ImageEncoder(OrtEnvironment.getEnvironment(), session, options, used));
  }

  static ImageEncoder open(byte[] model, Options options, Set<OrtProvider> available, OrtSessions.CudaAdder cuda,
      String name) throws IOException {
    return OrtSessions.wrap(OrtSessions.open(model, options.device(), intraOpThreads(options), available, cuda, name), name,
        (session, used) -> new ImageEncoder(OrtEnvironment.getEnvironment(), session, options, used));
  }

  /**
   * ONNX Runtime's threads within one inference call: the cores left to each worker. With a worker
   * a core, each runs its batch on one thread: a thread a call keeps every core busy without the
   * hand-offs (and spinning) of a shared thread pool, which on 2 cores cost more than they gave.
   */
  private static int intraOpThreads(Options options) {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / options.decodeThreads());
  }

  /** The options this encoder was opened with. */
  public Options options() {
    return options;
  }

  /** The provider inference runs on: CPU or CUDA. */
  public Device provider() {
    return provider;
  }

  /** The code spec the model carries, or null when it carries none. */
  public CodeSpec spec() {
    return spec;
  }

  /** Outputs per image. */
  public int outputDim() {
    return outputDim;
  }

  /** The preprocessing in use (its crop follows the model's input size). */
  public Preprocessing preprocessing() {
    return preprocessing;
  }

  /** Encodes images; one result per image, in order. Unreadable images give failed results. */
  public List<Result> encode(List<Path> images) {
    List<Result> out = new ArrayList<>(images.size());
    encode(images, out::add);
    return out;
  }

  /**
   * Encodes images, handing each result to {@code sink} in order as its batch completes. Each
   * worker thread takes a whole batch: it decodes and preprocesses the batch's images, then runs
   * the model on them, so that the cores share out batches rather than contending for every
   * stage. A job smaller than a batch a worker is spread over all workers.
   *
   * @throws IllegalStateException if inference itself fails
   */
  public void encode(List<Path> images, Consumer<Result> sink) {
    int n = images.size();
    int threads = options.decodeThreads();
    int per = Math.max(1, Math.min(options.batchSize(), (n + threads - 1) / threads));
    java.util.ArrayDeque<Future<List<Result>>> inFlight = new java.util.ArrayDeque<>();
    try {
      int from = 0;
      while (from < n || !inFlight.isEmpty()) {
        // one batch more than there are workers, so that none waits for the sink
        while (from < n && inFlight.size() <= threads) {
          List<Path> part = images.subList(from, Math.min(n, from + per));
          inFlight.add(this.workers.submit(() -> encodeBatch(part)));
          from += per;
        }
        for (Result r : get(inFlight.poll())) {
          sink.accept(r);
        }
      }
    } finally {
      for (Future<List<Result>> f : inFlight) {
        f.cancel(true);
      }
    }
  }

  /** Encodes one decoded image on the calling thread. */
  public Result encode(BufferedImage image, Path name) {
    ImageDecoder.Pixels p = ImageDecoder.pixels(image);
    return run(List.of(name), List.of(p), new String[1], false).get(0);
  }

  /** Decodes a batch on this (worker) thread and runs it; unreadable images give failed results. */
  private List<Result> encodeBatch(List<Path> paths) {
    List<ImageDecoder.Pixels> pixels = new ArrayList<>(paths.size());
    String[] errors = new String[paths.size()];
    for (int i = 0; i < paths.size(); i++) {
      Path p = paths.get(i);
      try {
        pixels.add(ImageDecoder.decode(p, preprocessing.resizeShortSide(), options.maxPixels()));
      } catch (IOException | RuntimeException e) {
        pixels.add(null);
        errors[i] = e instanceof NoSuchFileException ? "no such file: " + p : e.getMessage();
      }
    }
    return run(paths, pixels, errors, true);
  }

  private static List<Result> get(Future<List<Result>> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while encoding", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("encoding failed: " + e.getCause(), e.getCause());
    }
  }

  /**
   * Preprocesses the decoded images of a batch straight into one input tensor, runs it, and makes
   * the results; a null image is a failure whose message is in {@code errors}. A worker thread
   * fills a direct buffer it keeps from batch to batch: ONNX Runtime reads a direct buffer in place,
   * where it would copy a heap array into a freshly allocated one on every call (a batch of 32
   * images is 19 MB).
   */
  private List<Result> run(List<Path> paths, List<ImageDecoder.Pixels> pixels, String[] errors, boolean worker) {
    int s = preprocessing.cropSize();
    int size = channels * s * s;
    int ok = 0;
    for (ImageDecoder.Pixels p : pixels) {
      ok += p != null ? 1 : 0;
    }
    float[] outputs = new float[0];
    byte[][] hashes = new byte[pixels.size()][];
    byte[][] mirrored = new byte[pixels.size()][];
    byte[][] features = new byte[pixels.size()][];
    if (ok > 0) {
      FloatBuffer batch = (worker ? workerInput(ok * size) : FloatBuffer.allocate(ok * size)).clear().limit(ok * size);
      int i = 0;
      for (int k = 0; k < pixels.size(); k++) {
        ImageDecoder.Pixels p = pixels.get(k);
        if (p != null) {
          preprocessing.tensor(p.rgb(), p.width(), p.height(), channels, batch, i++ * size);
          hashes[k] = PerceptualHash.of(p);
          if (options.copyDetection()) {
            mirrored[k] = PerceptualHash.ofMirrored(p);
            features[k] = LocalFeatures.of(p);
          }
        }
      }
      outputs = infer(batch, ok, s);
    }
    List<Result> results = new ArrayList<>(pixels.size());
    int i = 0;
    for (int k = 0; k < pixels.size(); k++) {
      if (pixels.get(k) != null) {
        float[] o = Arrays.copyOfRange(outputs, i * outputDim, (i + 1) * outputDim);
        i++;
        results.add(new Result(paths.get(k), o, spec == null ? null : ModelContract.codes(o, spec.maxBits())[0], hashes[k],
            mirrored[k], features[k], null));
      } else {
        results.add(new Result(paths.get(k), null, null, errors[k]));
      }
    }
    return results;
  }

  /** This worker thread's input buffer, of room for at least {@code floats} values. */
  private FloatBuffer workerInput(int floats) {
    FloatBuffer b = workerInputs.get();
    if (b == null || b.capacity() < floats) {
      int room = Math.max(floats, options.batchSize() * channels * preprocessing.cropSize() * preprocessing.cropSize());
      b = ByteBuffer.allocateDirect(Math.multiplyExact(room, Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
      workerInputs.set(b);
    }
    return b;
  }

  private float[] infer(FloatBuffer batch, int n, int s) {
    try (OnnxTensor t = OnnxTensor.createTensor(env, batch, new long[] {n, channels, s, s});
        OrtSession.Result r = session.run(Map.of(inputName, t), Set.of(outputName))) {
      FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
      float[] out = new float[fb.remaining()];
      fb.get(out);
      return out;
    } catch (OrtException e) {
      throw new IllegalStateException("inference failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    workers.shutdownNow();
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the ONNX Runtime session", e);
    }
  }
}
